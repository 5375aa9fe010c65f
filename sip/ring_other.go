//go:build !(linux && (amd64 || arm64))

package sip

import "time"

// tickRing is never called here: uring.New fails, so shards have no ring.
func (sh *shard) tickRing(int) {}

// pollRing is never called here.
func (sh *shard) pollRing(time.Time, uint64) {}
