package dtmf

import "math"

// The Goertzel filters of the in-band detector (see inband.go): the
// sub-block kernel, which runs the eight filters over a 5 ms sub-block and
// measures its energy and low band in the same pass, and one filter over a
// window for the second harmonic.
//
// The filters run over the first differences of the samples, y[n] = x[n] −
// x[n−1], not over the samples. The difference has a zero at DC and takes
// 50 Hz 23 dB further down than 697 Hz, 150 Hz 14 dB, so a DC offset and
// mains hum leak that much less into the DFT bins: a 10 ms DFT at 697 Hz
// sees 50 Hz hum as a 697 Hz tone up to 21 dB weaker than the hum (so
// under hum at -25 dBm0 a key at -36 dBm0 has it only 10 dB below itself
// in each 10 ms half, and can fail the balance test), over the
// differences 43 dB weaker (150 Hz: 20 and 34 dB). The DFT of the differences over a block is
// (1 − e^{−jω})·X(ω) plus terms in the samples at the block's two edges,
// which telescope when sub-blocks are combined into a window; the
// constants that turn the final states into the DFT divide by
// (1 − e^{−jω}), so a tone's DFT is what it was over the samples.

// quad is a sub-block as float32, four samples to a row.
type quad [subLen / 4][4]float32

// group holds the constants of four Goertzel filters.
type group struct {
	// k = 2 cos ω with the signs the four steps of goertzel4 need:
	// {+k, −k, −k, +k} for each of the four filters.
	k [16]float32
	// The DFT from the final states over the differences:
	// X = (c1·s[N-1] − c2·s[N-2]) / (1 − e^{−jω}).
	c1r, c1i, c2r, c2i [4]float32
}

var groupLo, groupHi group

// kernelOut is what the sub-block kernel leaves. Only the filter states
// depend on the order of the kernel's floating-point operations (both
// kernels take the same steps); the sums are exact.
type kernelOut struct {
	lo, hi [2][4]float32 // final states s[N-1], s[N-2] of each filter of the group
	energy float64       // Σx²
	// For each block of polyLen samples, Σ p·x for the polynomials p of
	// polyU: the sums the low band is measured from.
	poly [subLen / polyLen][3]int32
}

// Low-band measure: the energy of the projection of each block of polyLen
// samples onto the polynomials of degree up to 2 (see inband.go).
//
// With u = 2i − 19 for the samples i = 0..19 of a block, the polynomials
// 1, u and u² − 133 are orthogonal over the block, with the norms polyN,
// and take integer values: the kernels add up Σx, Σu·x and Σ(u²−133)·x
// exactly, the SSE2 kernel four products at a time.
const (
	polyLen  = 20
	polyQuad = polyLen / 4
)

var polyN = [3]float64{polyLen, 2660, 280896}

// polyLeak returns the share of a sinusoid's energy at ω (radians a
// sample) that the low band counts, on average over its phase: over a
// block, Σ_p |Σ_i p(i)·e^{jωi}|² / (‖p‖²·polyLen) for the three
// polynomials p.
func polyLeak(w float64) float64 {
	var share float64
	for n := range 3 {
		var c complex128
		for i := range polyLen {
			u := float64(2*i - (polyLen - 1))
			p := [3]float64{1, u, u*u - 133}[n]
			c += complex(p*math.Cos(w*float64(i)), p*math.Sin(w*float64(i)))
		}
		share += (real(c)*real(c) + imag(c)*imag(c)) / (polyN[n] * polyLen)
	}
	return share
}

// polyU holds u and u² − 133 for the samples of a block, by quad: the
// weights the SSE2 kernel multiplies the samples by.
var polyU [polyQuad][2][4]int16

// kernelK holds the filter coefficients k = 2 cos ω as the SSE2 kernel
// reads them: the low group's, then the high group's.
var kernelK [2][4]float32

func init() {
	for i := range polyLen {
		u := int16(2*i - (polyLen - 1))
		polyU[i/4][0][i%4] = u
		polyU[i/4][1][i%4] = u*u - 133
	}
}

// initGroup sets the constants of group g, and its kernelK, for the
// frequencies f (Hz).
func initGroup(g *group, kk *[4]float32, f []float64) {
	for i := range 4 {
		w := 2 * math.Pi * f[i] / sampleRate
		k := 2 * math.Cos(w)
		for j, sign := range [4]float64{1, -1, -1, 1} {
			g.k[4*i+j] = float32(sign * k)
		}
		kk[i] = float32(k)
		// X = c1·s[N-1] − c2·s[N-2] with c1 = e^{−jω(N−1)}, c2 = e^{−jωN},
		// each divided by (1 − e^{−jω}) for the differences.
		d := 1 - complex(math.Cos(w), -math.Sin(w))
		c1 := complex(math.Cos(w*(subLen-1)), -math.Sin(w*(subLen-1))) / d
		c2 := complex(math.Cos(w*subLen), -math.Sin(w*subLen)) / d
		g.c1r[i], g.c1i[i] = float32(real(c1)), float32(imag(c1))
		g.c2r[i], g.c2i[i] = float32(real(c2)), float32(imag(c2))
	}
}

// dft turns the final Goertzel states st of the group into the sub-block's
// DFT at each frequency (relative to the sub-block start) and returns the
// largest |X|².
func (g *group) dft(st *[2][4]float32, xr, xi *[4]float32) float32 {
	a, b := &st[0], &st[1]
	r0, i0 := g.c1r[0]*a[0]-g.c2r[0]*b[0], g.c1i[0]*a[0]-g.c2i[0]*b[0]
	r1, i1 := g.c1r[1]*a[1]-g.c2r[1]*b[1], g.c1i[1]*a[1]-g.c2i[1]*b[1]
	r2, i2 := g.c1r[2]*a[2]-g.c2r[2]*b[2], g.c1i[2]*a[2]-g.c2i[2]*b[2]
	r3, i3 := g.c1r[3]*a[3]-g.c2r[3]*b[3], g.c1i[3]*a[3]-g.c2i[3]*b[3]
	*xr = [4]float32{r0, r1, r2, r3}
	*xi = [4]float32{i0, i1, i2, i3}
	return max4(r0*r0+i0*i0, r1*r1+i1*i1, r2*r2+i2*i2, r3*r3+i3*i3)
}

// max4 is max for four values that are not NaN, without the builtin's NaN
// and signed-zero handling.
func max4(a, b, c, d float32) float32 {
	if b > a {
		a = b
	}
	if d > c {
		c = d
	}
	if c > a {
		a = c
	}
	return a
}

// kernelGeneric is the sub-block kernel in Go (the SSE2 one is in
// goertzel_amd64.s; this one runs elsewhere and checks it): the first
// differences of src (prev is the sample before it) through the eight
// filters, and the energy and polynomial sums of the samples.
func kernelGeneric(src *[subLen]int16, prev int16, o *kernelOut) {
	var y quad
	o.lo, o.energy, o.poly = goertzelDiff(src, prev, &y)
	o.hi = goertzel4(&y, &groupHi)
}

// goertzelDiff is goertzel4 for the low group over the first differences
// of src (prev is the sample before it), which it leaves in y for the high
// group, and it adds up the kernel's sums on the way: the energy, and for
// each block of polyLen samples its running sums c0 = Σx, c1 = Σc0,
// c2 = Σc1, from which the polynomial sums follow.
func goertzelDiff(src *[subLen]int16, prev int16, y *quad) (st [2][4]float32, e float64, poly [subLen / polyLen][3]int32) {
	k := &groupLo.k
	var a0, b0, a1, b1, a2, b2, a3, b3 float32
	p, sq := int32(prev), int64(0)
	for h := range poly {
		ss := src[h*polyLen : (h+1)*polyLen]
		qs := y[h*polyQuad : (h+1)*polyQuad]
		var c0, c1, c2 int32
		for j := range qs {
			s := (*[4]int16)(ss[4*j:])
			q := &qs[j]
			x := int32(s[0])
			v := float32(x - p)
			b0, b1, b2, b3 = b0-(a0*k[0]+v), b1-(a1*k[4]+v), b2-(a2*k[8]+v), b3-(a3*k[12]+v)
			q[0], sq, c0 = v, sq+int64(x*x), c0+x
			c1, c2 = c1+c0, c2+c1+c0
			p = int32(s[1])
			v = float32(p - x)
			a0, a1, a2, a3 = a0-(b0*k[1]+v), a1-(b1*k[5]+v), a2-(b2*k[9]+v), a3-(b3*k[13]+v)
			q[1], sq, c0 = v, sq+int64(p*p), c0+p
			c1, c2 = c1+c0, c2+c1+c0
			x = int32(s[2])
			v = float32(x - p)
			b0, b1, b2, b3 = b0+(a0*k[2]+v), b1+(a1*k[6]+v), b2+(a2*k[10]+v), b3+(a3*k[14]+v)
			q[2], sq, c0 = v, sq+int64(x*x), c0+x
			c1, c2 = c1+c0, c2+c1+c0
			p = int32(s[3])
			v = float32(p - x)
			a0, a1, a2, a3 = a0+(b0*k[3]+v), a1+(b1*k[7]+v), a2+(b2*k[11]+v), a3+(b3*k[15]+v)
			q[3], sq, c0 = v, sq+int64(p*p), c0+p
			c1, c2 = c1+c0, c2+c1+c0
		}
		// Σi·x = 20·c0 − c1 and Σi²·x = 2·c2 − 420·c0 + 41·Σi·x.
		m1 := polyLen*c0 - c1
		m2 := 2*c2 - 420*c0 + 41*m1
		poly[h] = [3]int32{c0, 2*m1 - 19*c0, 4*m2 - 76*m1 + 228*c0}
	}
	return [2][4]float32{{a0, a1, a2, a3}, {b0, b1, b2, b3}}, float64(sq), poly
}

// goertzel4 runs four Goertzel filters (constants g) over a sub-block and
// returns their final states s[N-1], s[N-2].
//
// The recurrence s[n] = v + k·s[n-1] − s[n-2] normally costs a register
// copy per filter and sample (s[n-2] ← s[n-1]). Here the new value
// overwrites the dying s[n-2] in place, so no copy is needed: b −= k·a + v
// leaves −s[n] in b, exactly (IEEE rounding is symmetric), and the signs
// come back to + after four samples when the coefficient's sign follows the
// sign of the state it multiplies. The results are bit for bit those of the
// plain recurrence, and the SSE2 kernel takes the same steps four filters
// at a time.
func goertzel4(x *quad, g *group) [2][4]float32 {
	k := &g.k
	var a0, b0, a1, b1, a2, b2, a3, b3 float32
	xs := x[:] // a slice, not an array pointer: no nil check per iteration
	for j := range xs {
		q := &xs[j]
		// Signs of (a, b) before each sample: (+,+) (+,−) (−,−) (−,+).
		v := q[0]
		b0 -= a0*k[0] + v
		b1 -= a1*k[4] + v
		b2 -= a2*k[8] + v
		b3 -= a3*k[12] + v
		v = q[1]
		a0 -= b0*k[1] + v
		a1 -= b1*k[5] + v
		a2 -= b2*k[9] + v
		a3 -= b3*k[13] + v
		v = q[2]
		b0 += a0*k[2] + v
		b1 += a1*k[6] + v
		b2 += a2*k[10] + v
		b3 += a3*k[14] + v
		v = q[3]
		a0 += b0*k[3] + v
		a1 += b1*k[7] + v
		a2 += b2*k[11] + v
		a3 += b3*k[15] + v
	}
	return [2][4]float32{{a0, a1, a2, a3}, {b0, b1, b2, b3}}
}

// goertzel1 advances one Goertzel filter (state a = s[n-1], b = s[n-2])
// over x, four samples at a time with the in-place updates of goertzel4.
func goertzel1(x []int16, k, a, b float32) (float32, float32) {
	nk := -k
	for len(x) >= 4 {
		b -= a*k + float32(x[0])
		a -= b*nk + float32(x[1])
		b += a*nk + float32(x[2])
		a += b*k + float32(x[3])
		x = x[4:]
	}
	for _, v := range x {
		a, b = float32(v)+k*a-b, a
	}
	return a, b
}
