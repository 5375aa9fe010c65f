package main

import (
	"errors"
	"fmt"
	"time"
)

// validateTrunk checks the --trunk-* flags and --ready-needs-trunk.
func (c *serveConfig) validateTrunk() []error {
	var errs []error
	if c.TrunkRegister == "" && (c.TrunkUser != "" || c.TrunkPasswordFile != "" || c.ReadyNeedsTrunk) {
		errs = append(errs, errors.New("--trunk-user, --trunk-password-file and --ready-needs-trunk need --trunk-register"))
	}
	if c.TrunkExpires < 0 || (c.TrunkExpires > 0 && c.TrunkExpires < 10*time.Second) || c.TrunkExpires > 24*time.Hour {
		errs = append(errs, fmt.Errorf("--trunk-expires %v: give a duration from 10s to 24h, such as 5m", c.TrunkExpires))
	}
	if c.TrunkKeepAlive < 0 || (c.TrunkKeepAlive > 0 && c.TrunkKeepAlive < time.Second) {
		errs = append(errs, fmt.Errorf("--trunk-keepalive %v: give 0 (off) or at least 1s, such as 15s", c.TrunkKeepAlive))
	}
	return errs
}
