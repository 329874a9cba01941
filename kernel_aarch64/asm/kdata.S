/*
 * The kernel's global data, at KERNEL_BASE + KERNEL_DATA_OFFSET, right after the boot code (which
 * must fit in front of it): the refinement harness finds it there (mlk.abi.layout documents the
 * placement).
 *
 * .balign KERNEL_DATA_OFFSET
kstate:   the KSTATE layout (current thread, idle thread, tick count, ready bitmap), followed
 *           by the NUM_PRIORITIES ready queues (SCHEDQ layout) at KSTATE_QUEUES;
 * idle_tcb: the idle thread's TCB, at IDLE_TCB_OFFSET;
 * irq_table: an IRQ_LINE entry per interrupt line (irq.S), at IRQ_TABLE_OFFSET.
 */
.balign KERNEL_DATA_OFFSET
kstate:
    .space IDLE_TCB_OFFSET
idle_tcb:
    .space IRQ_TABLE_OFFSET - IDLE_TCB_OFFSET
irq_table:
    .space KERNEL_DATA_SIZE - IRQ_TABLE_OFFSET
