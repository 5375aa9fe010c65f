//go:build !amd64 || purego

package dtmf

// kernel is the sub-block kernel; only amd64 has it in assembly.
func kernel(src *[subLen]int16, prev int16, o *kernelOut) { kernelGeneric(src, prev, o) }
