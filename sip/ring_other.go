//go:build !(linux && (amd64 || arm64))

package sip

// tickRing is never called here: uring.New fails, so shards have no ring.
func (sh *shard) tickRing(int) {}
