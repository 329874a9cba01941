/*
 * The kernel's global data. Must stay the first thing in the image: the refinement harness finds
 * it at Platform.KERNEL_BASE (mlk.abi.layout documents the placement).
 *
 * kstate:   the KSTATE layout (current thread, idle thread, tick count, ready bitmap), followed
 *           by the NUM_PRIORITIES ready queues (SCHEDQ layout) at KSTATE_QUEUES;
 * idle_tcb: the idle thread's TCB, at IDLE_TCB_OFFSET.
 */
kstate:
    .space IDLE_TCB_OFFSET
idle_tcb:
    .space KERNEL_DATA_SIZE - IDLE_TCB_OFFSET
