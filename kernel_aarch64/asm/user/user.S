/*
 * The root task's image: the last part of the kernel image, page-aligned, mapped by the boot code
 * at ROOT_IMAGE_VADDR for EL0. The build's CONFIG_SCENARIO selects the program.
 *
 * User code runs at an address other than its link address, so it must be position-independent:
 * adr, b and bl only, never ldr xN, =label (ldr xN, =constant is fine: the pool below is inside
 * the image). The root task starts at the image's first byte (ROOT_IMAGE_VADDR), where each
 * scenario's root_main is branched to, with its stack at the top of the image (the last page).
 * Each scenario defines root_main, boot_threads (its further threads, see rootboot.S), their code
 * and their stacks.
 */
.equ USER_STACK_SIZE, 1 << PAGE_BITS

.balign (1 << PAGE_BITS)
root_image_start:
    b root_main
.include "ulib.S"
.if CONFIG_SCENARIO == SCENARIO_HELLO
.include "hello.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_SCHED
.include "sched.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_FAULTS
.include "faults.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_INTERP
.include "interp.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_ASM
.include "asmprog.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_CAPS
.include "caps.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_IPC
.include "ipc.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_NTFN
.include "ntfn.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_XFER
.include "xfer.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_TCBS
.include "tcbs.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_FRAMES
.include "frames.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_FASTPATH
.include "fastpath.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_IPCBENCH
.include "ipcbench.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_FAULTIPC
.include "faultipc.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_SERVICES
.include "services.S"
.endif
.if CONFIG_SCENARIO == SCENARIO_IRQS
.include "irqs.S"
.endif
.ltorg
.balign (1 << PAGE_BITS)
root_stack:
    .space USER_STACK_SIZE
root_image_end:
