//go:build !unix

package carriertest

import "os/exec"

// setProcessGroup does nothing where there are no process groups
// (Kamailio runs on Linux; this keeps the package building elsewhere).
func setProcessGroup(*exec.Cmd) {}

// signalGroup kills cmd. An error means it is gone already.
func signalGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
