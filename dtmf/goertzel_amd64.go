//go:build !purego

package dtmf

// kernel is the sub-block kernel (kernelGeneric) with SSE2, in
// goertzel_amd64.s.
//
//go:noescape
func kernel(src *[subLen]int16, prev int16, o *kernelOut)
