package simulator

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestWriteWAV(t *testing.T) {
	for _, n := range []int{0, 1, 8000} {
		x := make([]int16, n)
		for i := range x {
			x[i] = int16(i*37 - 1000)
		}
		path := filepath.Join(t.TempDir(), "x.wav")
		if err := writeWAVFile(path, x); err != nil {
			t.Fatal(err)
		}
		checkWAV(t, path, n)
		var b bytes.Buffer
		if err := WriteWAV(&b, x); err != nil {
			t.Fatal(err)
		}
		if n > 0 && (b.Bytes()[44] != byte(uint16(x[0])) || b.Bytes()[45] != byte(uint16(x[0])>>8)) {
			t.Error("first sample not little-endian")
		}
	}
}
