//go:build !purego

#include "textflag.h"

// The sub-block kernel of the in-band detector with SSE2, which every
// amd64 CPU has: kernelGeneric in goertzel.go, four filters at a time.
//
// The four filters of a group sit in the four lanes of a register, a
// sample's first difference is broadcast to all four, and each sample
// costs a group four instructions (load k, multiply, add, update in
// place), as one filter costs in Go. The filters take goertzel4's steps in
// its order, so their states are the same bits; the sums are exact (the
// energy in float64, the polynomial sums in int32 with PMADDWD), so they
// are the same numbers however they are added (TestKernelMatchesGeneric).
//
// Registers: X0, X1 the low group's states a, b; X2, X3 the high group's;
// X4 the broadcast difference; X5 scratch for the filters; X6 the quad's
// differences; X7 Σx² (two float64); X8 Σx (four int32), X9 Σu·x, X10
// Σ(u²−133)·x (two int32 each); X11 the quad's samples as int32; X12 the
// previous quad's; X13 scratch; X14 the quad's samples as int16.

// Offsets in kernelOut.
#define OUT_LO 0
#define OUT_HI 32
#define OUT_ENERGY 64
#define OUT_POLY 72

// One Goertzel step of a group, in place, as goertzel4 takes it:
// STEP(k, from, to, op1, op2) computes t = k·from, t = t op1 v, to op2= t.
// Steps 0 and 3 (b −= k·a + v, a += k·b + v) add v; steps 1 and 2 use
// −k in goertzel4 and here take k with the opposite signs (a −= −k·b + v
// is a += k·b − v, exactly, as IEEE rounding is symmetric).
#define STEP(k, from, to, op1, op2) \
	MOVUPS k, X5; MULPS from, X5; op1 X4, X5; op2 X5, to

// SAMPLE broadcasts the difference in lane imm of X6 and takes both groups
// through one step: the low group's state b updated from a, the high
// group's bh from ah (kernelK: k of the low group, then of the high group).
#define SAMPLE(imm, a, b, ah, bh, op1, op2) \
	PSHUFL imm, X6, X4; STEP(0(DI), a, b, op1, op2); STEP(16(DI), ah, bh, op1, op2)

// HSUM adds the int32 lanes of r into its lane 0 and stores it at m.
#define HSUM(r, m) \
	PSHUFL $0x4E, r, X13; PADDL X13, r; PSHUFL $0xB1, r, X13; PADDL X13, r; MOVL r, AX; MOVL AX, m

// func kernel(src *[subLen]int16, prev int16, o *kernelOut)
TEXT ·kernel(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVWLSX prev+8(FP), AX
	MOVQ o+16(FP), DX
	LEAQ ·kernelK(SB), DI
	LEAQ ·polyU(SB), R8

	// The sample before the sub-block, in lane 3 where the first quad
	// looks for it.
	MOVQ AX, X12
	PSHUFL $0x00, X12, X12
	XORPS X0, X0
	XORPS X1, X1
	XORPS X2, X2
	XORPS X3, X3
	XORPS X7, X7
	LEAQ OUT_POLY(DX), R10
	MOVQ $2, CX // blocks of polyLen samples

block:
	PXOR X8, X8
	PXOR X9, X9
	PXOR X10, X10
	MOVQ R8, R9 // the weights of the block's first quad
	MOVQ $5, BX // quads in a block

quad:
	// The four samples as int16 and sign-extended to int32, and their
	// predecessors.
	MOVQ (SI), X14
	MOVO X14, X11
	PUNPCKLWL X11, X11
	PSRAL $16, X11
	MOVO X11, X13
	PSLLO $4, X13
	PSRLO $12, X12
	POR X12, X13
	MOVO X11, X12

	// y = x − predecessor, exact in int32 and in float32.
	MOVO X11, X6
	PSUBL X13, X6
	CVTPL2PS X6, X6

	// Σx², exact in float64.
	CVTPL2PD X11, X13
	MULPD X13, X13
	ADDPD X13, X7
	PSHUFL $0xEE, X11, X13
	CVTPL2PD X13, X13
	MULPD X13, X13
	ADDPD X13, X7

	// Σx, Σu·x, Σ(u²−133)·x.
	PADDL X11, X8
	MOVQ 0(R9), X13
	PMADDWL X14, X13
	PADDL X13, X9
	MOVQ 8(R9), X13
	PMADDWL X14, X13
	PADDL X13, X10

	// The four differences through both groups: b −= k·a + y0,
	// a += k·b − y1, b −= k·a − y2, a += k·b + y3.
	SAMPLE($0x00, X0, X1, X2, X3, ADDPS, SUBPS)
	SAMPLE($0x55, X1, X0, X3, X2, SUBPS, ADDPS)
	SAMPLE($0xAA, X0, X1, X2, X3, SUBPS, SUBPS)
	SAMPLE($0xFF, X1, X0, X3, X2, ADDPS, ADDPS)

	ADDQ $8, SI
	ADDQ $16, R9
	DECQ BX
	JNZ quad

	HSUM(X8, 0(R10))
	HSUM(X9, 4(R10))
	HSUM(X10, 8(R10))
	ADDQ $12, R10
	DECQ CX
	JNZ block

	MOVUPS X0, OUT_LO(DX)
	MOVUPS X1, OUT_LO+16(DX)
	MOVUPS X2, OUT_HI(DX)
	MOVUPS X3, OUT_HI+16(DX)
	MOVHLPS X7, X13
	ADDSD X13, X7
	MOVSD X7, OUT_ENERGY(DX)
	RET
