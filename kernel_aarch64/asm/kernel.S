/*
 * MyLittleKernel for AArch64: the root of the build. Every other source is included from here,
 * in image order. Constants come only from the generated abi.inc and config.inc.
 *
 * Image layout: the boot code first (the image is entered at its first byte), the kernel's global
 * data at KERNEL_DATA_OFFSET (kdata.S, at the ABI's fixed addresses), then the rest of the code
 * (trace.S, the refinement trace, is empty without CONFIG_TRACE but for its data), read-only data,
 * stacks and the kernel's page tables, then the literal pool, and last the
 * root task's image (user/user.S), page-aligned so that its frames can be mapped at EL0.
 */
.include "abi.inc"
.include "config.inc"
.include "macros.S"
.include "boot.S"
.include "kdata.S"
.include "main.S"
.include "mmu.S"
.include "vectors.S"
.include "trap.S"
.include "syscall.S"
.include "cspace.S"
.include "invocation.S"
.include "threads.S"
.include "ipc.S"
.include "ntfn.S"
.include "fastpath.S"
.include "cnode.S"
.include "delete.S"
.include "untyped.S"
.include "tcb.S"
.include "vm.S"
.include "fault.S"
.include "timer.S"
.include "irq.S"
.include "sched.S"
.include "rootboot.S"
.include "panic.S"
.include "power.S"
.include "trace.S"
.include "uart.S"
.include "data.S"
.ltorg
.include "user/user.S"
