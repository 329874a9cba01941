/*
 * Interrupts (spec: mlk.model.irq): the IRQ control and IRQ handler invocations and the delivery
 * of device interrupts as notification signals.
 *
 * Each line's state is its entry of the IRQ table (irq_table, mlk.abi.layout.IRQ_LINE, indexed by
 * line): INACTIVE (no handler capability; the line is disabled at the GIC distributor), SIGNAL (a
 * handler capability exists) or KERNEL (the timer). A SIGNAL line is enabled at the distributor
 * exactly while it is not masked: delivering an interrupt masks it (disables it), its handler's
 * Ack unmasks it (enables it), so the kernel takes no interrupt from a masked line. A line a
 * handler capability is issued for is routed to the boot CPU and, when it is a shared line,
 * configured as edge-triggered: one interrupt per rising edge of the device's line. An edge while
 * the line is masked stays pending at the distributor and is delivered once it is acknowledged;
 * a device that keeps its line raised raises no further interrupt, so a driver leaves its device
 * with no request pending before it acknowledges. Register use as in invocation.S.
 */
// irq_entry: \rd = the IRQ table entry (kernel virtual address) of the line in \line.
.macro irq_entry rd, line
    adr \rd, irq_table
    add \rd, \rd, \line, lsl #(IRQ_LINE_SHIFT)
.endm

/*
 * gic_line_bit: for the line x0, x1 = the distributor's address plus the byte offset of the
 * 32-bit register holding its bit in the enable and pending registers, x2 = its bit there.
 * Clobbers x1-x3.
 */
gic_line_bit:
    ldr x1, =GICD_VBASE
    lsr x3, x0, #5
    add x1, x1, x3, lsl #2
    and x3, x0, #(GICD_IRQS_PER_REG - 1)
    mov x2, #1
    lsl x2, x2, x3
    ret

/*
 * gic_enable, gic_disable: enable or disable the line x0 at the distributor (the CPU takes no
 * interrupt from a disabled line; an edge on it stays pending). Clobbers x1-x4.
 */
gic_enable:
    mov x4, x30
    bl gic_line_bit
    str w2, [x1, #GICD_ISENABLER]
    dsb sy
    ret x4
gic_disable:
    mov x4, x30
    bl gic_line_bit
    str w2, [x1, #GICD_ICENABLER]
    dsb sy
    ret x4

/*
 * gic_line_setup: prepare the line x0 for a handler: the kernel's priority, and for a shared
 * line the boot CPU as its target and edge triggering. Clobbers x1-x4.
 */
gic_line_setup:
    ldr x1, =GICD_VBASE
    add x1, x1, x0
    mov w2, #GICC_IRQ_PRIORITY
    strb w2, [x1, #GICD_IPRIORITYR]
    cmp x0, #GICD_FIRST_SPI
    b.lo gic_line_setup_done
    mov w2, #GICD_TARGET_CPU0
    strb w2, [x1, #GICD_ITARGETSR]
    ldr x1, =GICD_VBASE
    lsr x2, x0, #4
    add x1, x1, x2, lsl #2
    ldr w2, [x1, #GICD_ICFGR]
    and x3, x0, #(GICD_IRQS_PER_CFG_REG - 1)
    lsl x3, x3, #1
    mov w4, #GICD_CFG_EDGE
    lsl w4, w4, w3
    orr w2, w2, w4
    str w2, [x1, #GICD_ICFGR]
gic_line_setup_done:
    ret

/*
 * irq_ntfn_ref: add x1 (1 or -1) to the interrupt-line count of the notification at physical
 * address x0 (0: none, nothing to do). Clobbers x0, x2.
 */
irq_ntfn_ref:
    cbz x0, irq_ntfn_ref_done
    pa_to_va x0, x0
    ldr w2, [x0, #NTFN_IRQ_REFS]
    add w2, w2, w1
    str w2, [x0, #NTFN_IRQ_REFS]
irq_ntfn_ref_done:
    ret

/*
 * irq_control_issue: spec: irq.irq_control_issue. MR0 = line, MR1 = destination CNode CPtr,
 * MR2 = slot index: create the line's handler capability in that empty slot, a child of the
 * invoked IRQ control capability; the line becomes SIGNAL, unmasked, without a notification, and
 * is enabled. Checks, in order: the line exists (RANGE_ERROR); it is INACTIVE (REVOKE_FIRST); the
 * CNode (FAILED_LOOKUP, INVALID_CAPABILITY); the index (RANGE_ERROR); the slot is empty
 * (DELETE_FIRST).
 * Register roles: x22 the line, x23 its table entry, x24 the destination slot.
 */
irq_control_issue:
    frame_enter
    ldr x22, [x19, #ARG_MR0]
    adr x0, irq_line_count
    ldr x0, [x0]
    cmp x22, x0
    b.hs inv_fail_RANGE_ERROR
    irq_entry x23, x22
    ldrh w0, [x23, #IRQ_STATE]
    cmp w0, #IRQS_INACTIVE
    b.ne inv_fail_REVOKE_FIRST
    ldr x1, [x19, #ARG_MR1]
    mov x2, #CAP_CNODE
    bl cap_lookup_arg
    ldr x1, [x19, #ARG_MR2]
    bl cap_slot_in
    ldr x1, [x0, #SLOT_INFO]
    ands x1, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.ne inv_fail_DELETE_FIRST
    mov x24, x0
    mov w0, #IRQS_SIGNAL
    strh w0, [x23, #IRQ_STATE]
    strh wzr, [x23, #IRQ_MASKED]
    str wzr, [x23, #IRQ_NTFN]
    str xzr, [x23, #IRQ_BADGE]
    mov x0, x22
    bl gic_line_setup
    mov x0, x22
    bl gic_enable
    mov x0, x24
    ldr x1, =(CAP_IRQ_HANDLER | (ALL_RIGHTS << CAPINFO_RIGHTS_SHIFT))
    mov x2, x22
    mov x3, #0
    mov x4, x20
    bl cdt_insert
    mov x1, #0
    frame_leave
    ret

/*
 * irq_set_notification: spec: irq.irq_set_notification. MR0 = notification CPtr: the line
 * signals that notification with the capability's badge from now on (replacing any earlier one).
 * Checks: the notification (FAILED_LOOKUP, INVALID_CAPABILITY; INVALID_CAPABILITY also without
 * WRITE).
 * Register roles: x22 the notification (physical address), x23 the badge, x24 the table entry.
 */
irq_set_notification:
    frame_enter
    ldr x1, [x19, #ARG_MR0]
    mov x2, #CAP_NOTIFICATION
    bl cap_lookup_arg
    ldr x1, [x0, #SLOT_INFO]
    tst x1, #(RIGHT_WRITE << CAPINFO_RIGHTS_SHIFT)
    b.eq inv_fail_INVALID_CAPABILITY
    ldr x22, [x0, #SLOT_OBJ]
    ldr x23, [x0, #SLOT_DATA]
    ldr x0, [x20, #SLOT_OBJ]
    irq_entry x24, x0
    ldr w0, [x24, #IRQ_NTFN]
    mov x1, #-1
    bl irq_ntfn_ref
    mov x0, x22
    mov x1, #1
    bl irq_ntfn_ref
    str w22, [x24, #IRQ_NTFN]
    str x23, [x24, #IRQ_BADGE]
    mov x1, #0
    frame_leave
    ret

/*
 * irq_ack: spec: irq.irq_ack. Unmask the line (enable it), so that its next interrupt is
 * delivered.
 */
irq_ack:
    frame_enter
    ldr x0, [x20, #SLOT_OBJ]
    irq_entry x1, x0
    strh wzr, [x1, #IRQ_MASKED]
    bl gic_enable
    mov x1, #0
    frame_leave
    ret

/*
 * irq_clear: spec: irq.irq_clear. The line signals no notification any more.
 */
irq_clear:
    frame_enter
    ldr x0, [x20, #SLOT_OBJ]
    irq_entry x22, x0
    ldr w0, [x22, #IRQ_NTFN]
    mov x1, #-1
    bl irq_ntfn_ref
    str wzr, [x22, #IRQ_NTFN]
    str xzr, [x22, #IRQ_BADGE]
    mov x1, #0
    frame_leave
    ret

/*
 * irq_release: spec: irq.release. The last handler capability of the line x0 is gone: the line
 * becomes INACTIVE, disabled, with no interrupt pending, and its notification loses it.
 * Clobbers x0-x5.
 */
irq_release:
    mov x5, x30
    bl gic_disable
    str w2, [x1, #GICD_ICPENDR]
    irq_entry x3, x0
    ldr w0, [x3, #IRQ_NTFN]
    mov x1, #-1
    bl irq_ntfn_ref
    stp xzr, xzr, [x3]
    ret x5

/*
 * irq_interrupt: spec: irq.interrupt. A device interrupt on line x0 (not the timer's): a SIGNAL
 * line that is not masked becomes masked (disabled at the distributor until its Ack) and signals
 * its notification, if it has one, with its badge. Any other line is ignored (the kernel keeps
 * such lines disabled). Keeps x19-x21.
 */
irq_interrupt:
    frame_enter
    irq_entry x5, x0
    ldrh w1, [x5, #IRQ_STATE]
    cmp w1, #IRQS_SIGNAL
    b.ne irq_interrupt_done
    ldrh w1, [x5, #IRQ_MASKED]
    cbnz w1, irq_interrupt_done
    mov w1, #1
    strh w1, [x5, #IRQ_MASKED]
    bl gic_disable
    ldr w0, [x5, #IRQ_NTFN]
    cbz w0, irq_interrupt_done
    pa_to_va x0, x0
    ldr x1, [x5, #IRQ_BADGE]
    bl ntfn_signal
irq_interrupt_done:
    frame_leave
    ret

.balign 8
// The number of interrupt lines the distributor reports (gic_init), as the trace's BOOT record
// gives it to the spec (Machine.irq_lines).
irq_line_count: .quad 0
