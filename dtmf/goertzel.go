package dtmf

// The Goertzel filters of the in-band detector (see inband.go): two
// register-resident passes of four filters over each 5 ms sub-block, and
// one filter over a window for the second harmonic.

// quad is a sub-block as float32, four samples to a row.
type quad [subLen / 4][4]float32

// group holds the constants of four Goertzel filters.
type group struct {
	// k = 2 cos ω with the signs the four steps of goertzel4 need:
	// {+k, −k, −k, +k} for each of the four filters.
	k [16]float32
	// The DFT from the final states: X = c1·s[N-1] − c2·s[N-2].
	c1r, c1i, c2r, c2i [4]float32
}

var groupLo, groupHi group

// dft turns the final Goertzel states of the group into the sub-block's
// DFT at each frequency (relative to the sub-block start) and returns the
// largest |X|².
func (g *group) dft(a0, a1, a2, a3, b0, b1, b2, b3 float32, xr, xi *[4]float32) float32 {
	r0, i0 := g.c1r[0]*a0-g.c2r[0]*b0, g.c1i[0]*a0-g.c2i[0]*b0
	r1, i1 := g.c1r[1]*a1-g.c2r[1]*b1, g.c1i[1]*a1-g.c2i[1]*b1
	r2, i2 := g.c1r[2]*a2-g.c2r[2]*b2, g.c1i[2]*a2-g.c2i[2]*b2
	r3, i3 := g.c1r[3]*a3-g.c2r[3]*b3, g.c1i[3]*a3-g.c2i[3]*b3
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

// goertzel4 runs four Goertzel filters (constants g) over a sub-block,
// stores the sub-block's DFT at their frequencies in xr, xi and returns the
// largest |X|².
//
// The recurrence s[n] = v + k·s[n-1] − s[n-2] normally costs a register
// copy per filter and sample (s[n-2] ← s[n-1]), and Go's register
// allocator spends several more on it. Here the new value overwrites the
// dying s[n-2] in place, so no copy is needed: b −= k·a + v leaves −s[n]
// in b, exactly (IEEE rounding is symmetric), and the signs come back to +
// after four samples when the coefficient's sign follows the sign of the
// state it multiplies. The results are bit for bit those of the plain
// recurrence.
func goertzel4(x *quad, g *group, xr, xi *[4]float32) (peak float32) {
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
	return g.dft(a0, a1, a2, a3, b0, b1, b2, b3, xr, xi)
}

// goertzelLo is goertzel4 for the low group, reading the sub-block as
// int16, storing it as float32 in dst for the high group and returning its
// energy and its low-band energy (see lowBlock): one pass over the samples
// fewer. The loop body covers 20 samples, two blocks of lowBlock, three
// lines a sample; the signs follow goertzel4's.
func goertzelLo(src *[subLen]int16, dst *quad, xr, xi *[4]float32) (peak, e, low float32) {
	g := &groupLo
	k := &g.k
	var a0, b0, a1, b1, a2, b2, a3, b3 float32
	for h := 0; h < subLen; h += 20 {
		ss := (*[20]int16)(src[h : h+20])
		q := (*[5][4]float32)(dst[h/4 : h/4+5])
		var v, sum float32
		v = float32(ss[0])
		b0, b1, b2, b3 = b0-(a0*k[0]+v), b1-(a1*k[4]+v), b2-(a2*k[8]+v), b3-(a3*k[12]+v)
		q[0][0], e, sum = v, e+v*v, sum+v
		v = float32(ss[1])
		a0, a1, a2, a3 = a0-(b0*k[1]+v), a1-(b1*k[5]+v), a2-(b2*k[9]+v), a3-(b3*k[13]+v)
		q[0][1], e, sum = v, e+v*v, sum+v
		v = float32(ss[2])
		b0, b1, b2, b3 = b0+(a0*k[2]+v), b1+(a1*k[6]+v), b2+(a2*k[10]+v), b3+(a3*k[14]+v)
		q[0][2], e, sum = v, e+v*v, sum+v
		v = float32(ss[3])
		a0, a1, a2, a3 = a0+(b0*k[3]+v), a1+(b1*k[7]+v), a2+(b2*k[11]+v), a3+(b3*k[15]+v)
		q[0][3], e, sum = v, e+v*v, sum+v
		v = float32(ss[4])
		b0, b1, b2, b3 = b0-(a0*k[0]+v), b1-(a1*k[4]+v), b2-(a2*k[8]+v), b3-(a3*k[12]+v)
		q[1][0], e, sum = v, e+v*v, sum+v
		v = float32(ss[5])
		a0, a1, a2, a3 = a0-(b0*k[1]+v), a1-(b1*k[5]+v), a2-(b2*k[9]+v), a3-(b3*k[13]+v)
		q[1][1], e, sum = v, e+v*v, sum+v
		v = float32(ss[6])
		b0, b1, b2, b3 = b0+(a0*k[2]+v), b1+(a1*k[6]+v), b2+(a2*k[10]+v), b3+(a3*k[14]+v)
		q[1][2], e, sum = v, e+v*v, sum+v
		v = float32(ss[7])
		a0, a1, a2, a3 = a0+(b0*k[3]+v), a1+(b1*k[7]+v), a2+(b2*k[11]+v), a3+(b3*k[15]+v)
		q[1][3], e, sum = v, e+v*v, sum+v
		v = float32(ss[8])
		b0, b1, b2, b3 = b0-(a0*k[0]+v), b1-(a1*k[4]+v), b2-(a2*k[8]+v), b3-(a3*k[12]+v)
		q[2][0], e, sum = v, e+v*v, sum+v
		v = float32(ss[9])
		a0, a1, a2, a3 = a0-(b0*k[1]+v), a1-(b1*k[5]+v), a2-(b2*k[9]+v), a3-(b3*k[13]+v)
		q[2][1], e, sum = v, e+v*v, sum+v
		low, sum = low+sum*sum, 0
		v = float32(ss[10])
		b0, b1, b2, b3 = b0+(a0*k[2]+v), b1+(a1*k[6]+v), b2+(a2*k[10]+v), b3+(a3*k[14]+v)
		q[2][2], e, sum = v, e+v*v, sum+v
		v = float32(ss[11])
		a0, a1, a2, a3 = a0+(b0*k[3]+v), a1+(b1*k[7]+v), a2+(b2*k[11]+v), a3+(b3*k[15]+v)
		q[2][3], e, sum = v, e+v*v, sum+v
		v = float32(ss[12])
		b0, b1, b2, b3 = b0-(a0*k[0]+v), b1-(a1*k[4]+v), b2-(a2*k[8]+v), b3-(a3*k[12]+v)
		q[3][0], e, sum = v, e+v*v, sum+v
		v = float32(ss[13])
		a0, a1, a2, a3 = a0-(b0*k[1]+v), a1-(b1*k[5]+v), a2-(b2*k[9]+v), a3-(b3*k[13]+v)
		q[3][1], e, sum = v, e+v*v, sum+v
		v = float32(ss[14])
		b0, b1, b2, b3 = b0+(a0*k[2]+v), b1+(a1*k[6]+v), b2+(a2*k[10]+v), b3+(a3*k[14]+v)
		q[3][2], e, sum = v, e+v*v, sum+v
		v = float32(ss[15])
		a0, a1, a2, a3 = a0+(b0*k[3]+v), a1+(b1*k[7]+v), a2+(b2*k[11]+v), a3+(b3*k[15]+v)
		q[3][3], e, sum = v, e+v*v, sum+v
		v = float32(ss[16])
		b0, b1, b2, b3 = b0-(a0*k[0]+v), b1-(a1*k[4]+v), b2-(a2*k[8]+v), b3-(a3*k[12]+v)
		q[4][0], e, sum = v, e+v*v, sum+v
		v = float32(ss[17])
		a0, a1, a2, a3 = a0-(b0*k[1]+v), a1-(b1*k[5]+v), a2-(b2*k[9]+v), a3-(b3*k[13]+v)
		q[4][1], e, sum = v, e+v*v, sum+v
		v = float32(ss[18])
		b0, b1, b2, b3 = b0+(a0*k[2]+v), b1+(a1*k[6]+v), b2+(a2*k[10]+v), b3+(a3*k[14]+v)
		q[4][2], e, sum = v, e+v*v, sum+v
		v = float32(ss[19])
		a0, a1, a2, a3 = a0+(b0*k[3]+v), a1+(b1*k[7]+v), a2+(b2*k[11]+v), a3+(b3*k[15]+v)
		q[4][3], e, sum = v, e+v*v, sum+v
		low += sum * sum
	}
	return g.dft(a0, a1, a2, a3, b0, b1, b2, b3, xr, xi), e, low * (1.0 / lowBlock)
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
