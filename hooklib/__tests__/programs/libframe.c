/*
 * libframe.c, built three times (the Makefile): libframe_small.so, libframe_mid.so and
 * libframe_big.so, with FRAME 136, 2056 and 4104. frame_alloc() is the same code at the same offset
 * in each, save the size of its frame: the same return address from malloc, within its library,
 * with different CFI. Written in assembly so that the copies stay alike byte for byte (each size
 * is encoded in as many bytes). The frame is zeroed, so
 * that a return address read by the other library's rule is 0 (the walk ends there), never
 * whatever an earlier call left on the stack.
 */
#define STR(x)	#x
#define XSTR(x)	STR(x)

__asm__(
	"	.text\n"
	"	.globl	frame_alloc\n"
	"	.type	frame_alloc, @function\n"
	"frame_alloc:\n"
	"	.cfi_startproc\n"
	"	subq	$" XSTR(FRAME) ", %rsp\n"
	"	.cfi_def_cfa_offset " XSTR(FRAME) " + 8\n"
	"	movl	$" XSTR(FRAME) " / 8, %ecx\n"
	"	movq	%rsp, %rdi\n"
	"	xorl	%eax, %eax\n"
	"	rep stosq\n"
	"	movl	$42, %edi\n"
	"	call	malloc@PLT\n"
	"	addq	$" XSTR(FRAME) ", %rsp\n"
	"	.cfi_def_cfa_offset 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size	frame_alloc, .-frame_alloc\n");
