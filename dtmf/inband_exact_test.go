package dtmf

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The detector's fast paths (in-place Goertzel updates, the bounds in
// plausible) claim to give the same numbers and verdicts as the plain
// analysis. These tests hold them to it.

// plainGoertzel runs the textbook recurrence s[n] = v + k·s[n-1] − s[n-2]
// over x and returns s[N-1], s[N-2].
func plainGoertzel[T int16 | int](x []T, k float32) (s1, s2 float32) {
	for _, v := range x {
		s1, s2 = float32(v)+k*s1-s2, s1
	}
	return s1, s2
}

type namedSignal struct {
	name string
	buf  []int16
}

// exactSignals returns signals of every kind the detector meets: silence,
// full-scale and quiet noise, tones in noise, extremes, music.
func exactSignals(rng *rand.Rand) []namedSignal {
	sig := []namedSignal{{"silence", make([]int16, 800)}}
	for _, level := range []float64{-60, -30, -10, 0, 6} {
		buf := make([]int16, 1600)
		AddNoise(buf, level, rng)
		sig = append(sig, namedSignal{fmt.Sprintf("noise%+g", level), buf})
	}
	for _, key := range []byte("159#D") {
		buf := make([]int16, 1600)
		o := ToneOptions{LowDBm0: -3, HighDBm0: -8, LowShift: 0.012, HighShift: -0.02}
		if err := AddTone(buf[203:1403], key, o); err != nil {
			panic(err)
		}
		AddNoise(buf, -30, rng)
		sig = append(sig, namedSignal{"tone" + string(key), buf})
	}
	ext := make([]int16, 800)
	for i := range ext {
		ext[i] = []int16{math.MaxInt16, math.MinInt16, 0, -1, 1}[rng.IntN(5)]
	}
	sig = append(sig, namedSignal{"extremes", ext}, namedSignal{"music", synthMusic(2, rng)})
	return sig
}

// TestGoertzelMatchesRecurrence: the kernel's filters give the plain
// recurrence's states over the first differences, and its energy and
// polynomial sums are those of the samples, exactly.
func TestGoertzelMatchesRecurrence(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range exactSignals(rng) {
		name, buf := s.name, s.buf
		for off := 0; off+subLen <= len(buf); off += subLen {
			blk := (*[subLen]int16)(buf[off : off+subLen])
			var prev int16
			if off > 0 {
				prev = buf[off-1]
			}
			var k kernelOut
			kernel(blk, prev, &k)

			diff := make([]int, subLen)
			var wantE int64
			p := int(prev)
			for j, v := range blk {
				diff[j], p = int(v)-p, int(v)
				wantE += int64(v) * int64(v)
			}
			for i := range tones {
				st := &k.lo
				if i >= 4 {
					st = &k.hi
				}
				s1, s2 := plainGoertzel(diff, tones[i].coef)
				if st[0][i%4] != s1 || st[1][i%4] != s2 {
					t.Fatalf("%s@%d tone %d: states %v %v, want %v %v", name, off, i, st[0][i%4], st[1][i%4], s1, s2)
				}
			}
			if k.energy != float64(wantE) {
				t.Fatalf("%s@%d: energy %v, want %v", name, off, k.energy, wantE)
			}
			for b := range k.poly {
				var want [3]int32
				for i := range polyLen {
					x, u := int32(blk[b*polyLen+i]), int32(2*i-19)
					want[0] += x
					want[1] += u * x
					want[2] += (u*u - 133) * x
				}
				if k.poly[b] != want {
					t.Fatalf("%s@%d block %d: polynomial sums %v, want %v", name, off, b, k.poly[b], want)
				}
			}
		}
	}
}

// TestDifferenceDFT: the DFT a window's four sub-blocks give, from filters
// over the first differences, is the DFT of the samples plus the terms in
// the samples just before and at the end of the window,
// (x[N−1]·e^{−jωN} − x[−1]) / (1 − e^{−jω}): the terms at the sub-blocks'
// inner edges cancel.
func TestDifferenceDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, s := range exactSignals(rng) {
		buf := s.buf
		for start := subLen; start+winLen <= len(buf); start += 3 * subLen {
			var y [numTones]complex128
			for b := range winSubs {
				off := start + b*subLen
				var k kernelOut
				kernel((*[subLen]int16)(buf[off:off+subLen]), buf[off-1], &k)
				var xr, xi [numTones]float32
				groupLo.dft(&k.lo, (*[4]float32)(xr[0:4]), (*[4]float32)(xi[0:4]))
				groupHi.dft(&k.hi, (*[4]float32)(xr[4:8]), (*[4]float32)(xi[4:8]))
				for i, f := range dtmfFreqs {
					w := 2 * math.Pi * f / sampleRate
					y[i] += complex(float64(xr[i]), float64(xi[i])) * cmplx.Exp(complex(0, -w*float64(b*subLen)))
				}
			}
			for i, f := range dtmfFreqs {
				w := 2 * math.Pi * f / sampleRate
				var want complex128
				var size float64
				for n, v := range buf[start : start+winLen] {
					want += complex(float64(v), 0) * cmplx.Exp(complex(0, -w*float64(n)))
					size += math.Abs(float64(v))
				}
				edge := complex(float64(buf[start+winLen-1]), 0)*cmplx.Exp(complex(0, -w*winLen)) - complex(float64(buf[start-1]), 0)
				want += edge / (1 - cmplx.Exp(complex(0, -w)))
				if d := cmplx.Abs(y[i] - want); d > 1e-4*(size+1) {
					t.Fatalf("%s@%d, %g Hz: DFT %v, want %v", s.name, start, f, y[i], want)
				}
			}
		}
	}
}

// TestPolyNorms: the low band is the energy of the projection onto
// orthogonal polynomials with the norms polyN.
func TestPolyNorms(t *testing.T) {
	var norm [3]float64
	var dot [3]float64
	for q := range polyQuad {
		for l := range 4 {
			p := [3]float64{1, float64(polyU[q][0][l]), float64(polyU[q][1][l])}
			for n := range 3 {
				norm[n] += p[n] * p[n]
				dot[n] += p[n] * p[(n+1)%3]
			}
		}
	}
	if norm != polyN || dot != [3]float64{} {
		t.Errorf("norms %v, want %v; products %v, want 0", norm, polyN, dot)
	}
}

// TestKernelOutLayout: the offsets goertzel_amd64.s writes at.
func TestKernelOutLayout(t *testing.T) {
	var o kernelOut
	got := [4]uintptr{unsafe.Offsetof(o.lo), unsafe.Offsetof(o.hi), unsafe.Offsetof(o.energy), unsafe.Offsetof(o.poly)}
	if want := [4]uintptr{0, 32, 64, 72}; got != want || unsafe.Sizeof(o) != 96 {
		t.Errorf("kernelOut offsets %v, want %v", got, want)
	}
}

// kernelBlocks are sub-blocks that stress the kernel: the exact signals,
// full-scale steps of both signs (differences of ±65535), and random
// samples.
func kernelBlocks(rng *rand.Rand) (blocks []*[subLen]int16, prevs []int16) {
	for _, s := range exactSignals(rng) {
		for off := 0; off+subLen <= len(s.buf); off += subLen {
			blocks = append(blocks, (*[subLen]int16)(s.buf[off:off+subLen]))
			prevs = append(prevs, s.buf[max(off-1, 0)])
		}
	}
	for range 200 {
		var b [subLen]int16
		for i := range b {
			b[i] = []int16{math.MaxInt16, math.MinInt16, int16(rng.Uint32())}[rng.IntN(3)]
		}
		blocks = append(blocks, &b)
		prevs = append(prevs, []int16{math.MaxInt16, math.MinInt16, 0}[rng.IntN(3)])
	}
	return blocks, prevs
}

// TestKernelMatchesGeneric: the SSE2 kernel (on amd64) gives the Go
// kernel's results bit for bit.
func TestKernelMatchesGeneric(t *testing.T) {
	blocks, prevs := kernelBlocks(rand.New(rand.NewPCG(27, 28)))
	for i, b := range blocks {
		var got, want kernelOut
		kernel(b, prevs[i], &got)
		kernelGeneric(b, prevs[i], &want)
		if !sameBits(&got, &want) {
			t.Fatalf("block %d: kernel %+v, want %+v", i, got, want)
		}
	}
}

func FuzzKernel(f *testing.F) {
	f.Add(make([]byte, 2*subLen+2))
	f.Add([]byte("\xff\x7f\x00\x80\xff\x7f\x00\x80"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b [subLen]int16
		for i := range b {
			if 2*i+1 < len(data) {
				b[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
			}
		}
		var prev int16
		if n := len(data); n >= 2*subLen+2 {
			prev = int16(uint16(data[n-2]) | uint16(data[n-1])<<8)
		}
		var got, want kernelOut
		kernel(&b, prev, &got)
		kernelGeneric(&b, prev, &want)
		if !sameBits(&got, &want) {
			t.Fatalf("kernel %+v, want %+v", got, want)
		}
	})
}

// sameBits compares two kernel results bit for bit (kernelOut has no
// padding: TestKernelOutLayout).
func sameBits(a, b *kernelOut) bool {
	type raw = [unsafe.Sizeof(kernelOut{})]byte
	return *(*raw)(unsafe.Pointer(a)) == *(*raw)(unsafe.Pointer(b))
}

// TestHarmonicMatchesRecurrence checks the second-harmonic filter over the
// history ring, in every position of the ring and for frames of odd sizes.
func TestHarmonicMatchesRecurrence(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, s := range exactSignals(rng) {
		name, buf := s.name, s.buf
		d := NewDetector()
		checked := 0
		for x := buf; len(x) > 0; {
			n := min(len(x), 1+rng.IntN(400))
			d.feed(x[:n], func(detection) {})
			x = x[n:]
			done := len(buf) - len(x)
			if d.pos != 0 || done < winLen {
				continue
			}
			for i := 4; i < numTones; i++ {
				k := tones[i].h2coef
				a, b := plainGoertzel(buf[done-winLen:done], k)
				if got, want := d.harmonic(i), a*a+b*b-k*a*b; got != want {
					t.Fatalf("%s at %d, tone %d: harmonic %v, want %v", name, done, i, got, want)
				}
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no window checked", name)
		}
	}
}

// TestPlausible: every window plausible rejects, analyse rejects too, over
// tones of every length and offset, in noise, near the limits, in music,
// and over hum (a third of the tones: the steady low band plausible leaves
// out is all of it, analyse's is less).
func TestPlausible(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	var signals [][]int16
	for _, s := range exactSignals(rng) {
		signals = append(signals, s.buf)
	}
	for i := 0; i < 300; i++ {
		buf := make([]int16, 1200)
		key := allKeys[rng.IntN(len(allKeys))]
		level := -40 + 38*rng.Float64()
		twist := -10 + 16*rng.Float64()
		o := ToneOptions{
			LowDBm0: level, HighDBm0: level + twist,
			LowShift: 0.04 * (rng.Float64() - 0.5), HighShift: 0.04 * (rng.Float64() - 0.5),
		}
		start := rng.IntN(400)
		length := 40 + rng.IntN(600)
		if err := AddTone(buf[start:start+length], key, o); err != nil {
			t.Fatal(err)
		}
		AddNoise(buf, level-5-20*rng.Float64(), rng)
		if i%3 == 0 {
			// 100 ms of the hum first, for the floor.
			buf = append(make([]int16, 800), buf...)
			addHum(buf, humModels[i%len(humModels)], 50+10*float64(i%2), level-20*rng.Float64(), 1000*(rng.Float64()-0.5), rng)
		}
		signals = append(signals, buf)
	}

	var windows, rejected, keys int
	for _, buf := range signals {
		d := NewDetector()
		for off := 0; off+subLen <= len(buf); off += subLen {
			d.feed(buf[off:off+subLen], func(detection) {})
			if d.nsubs < winSubs {
				continue
			}
			s0, s1, s2, s3, energy, low := d.window()
			least := energy - d.steady(low)
			if least < minAmp*minAmp*winLen {
				continue
			}
			windows++
			full := d.analyse(s0, s1, s2, s3, energy, low)
			if full != 0 {
				keys++
			}
			if !plausible(s0, s1, s2, s3, least) {
				rejected++
				if full != 0 {
					t.Fatalf("window at %d: plausible rejects what analyse finds (%c)", off, full)
				}
			}
		}
	}
	// The test means something only if both verdicts occur often.
	if rejected < windows/10 || keys < windows/10 {
		t.Errorf("%d windows: %d rejected by plausible, %d keys by analyse", windows, rejected, keys)
	}
	t.Logf("%d windows above the level floor: plausible rejected %d, analyse found a key in %d", windows, rejected, keys)
}
