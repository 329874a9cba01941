/*
 * The GICv2 interrupt controller and the EL1 physical timer, the preemption tick.
 */
.equ GICD_VBASE, KWIN_BASE + GICD_BASE
.equ GICC_VBASE, KWIN_BASE + GICC_BASE
.equ TIMER_ENABLE_REG, GICD_ISENABLER + (TIMER_IRQ / GICD_IRQS_PER_REG) * GICD_REG_BYTES
.equ TIMER_ENABLE_BIT, 1 << (TIMER_IRQ % GICD_IRQS_PER_REG)

/*
 * gic_init: enable the distributor and the CPU interface, and the timer's line (only it); the
 * timer's line is KERNEL in the IRQ table (spec: the boot state's irqs), and irq_line_count the
 * number of lines the distributor reports.
 */
gic_init:
    adr x0, irq_table
    mov w1, #IRQS_KERNEL
    strh w1, [x0, #(TIMER_IRQ << IRQ_LINE_SHIFT)]
    ldr x0, =GICD_VBASE
    ldr w1, [x0, #GICD_TYPER]
    and x1, x1, #GICD_TYPER_LINES_MASK
    add x1, x1, #1
    lsl x1, x1, #5
    adr x2, irq_line_count
    str x1, [x2]
    mov w1, #GICD_CTLR_ENABLE
    str w1, [x0, #GICD_CTLR]
    mov w1, #GICC_IRQ_PRIORITY
    strb w1, [x0, #(GICD_IPRIORITYR + TIMER_IRQ)]
    mov w1, #TIMER_ENABLE_BIT
    str w1, [x0, #TIMER_ENABLE_REG]
    ldr x0, =GICC_VBASE
    mov w1, #GICC_PMR_ALL
    str w1, [x0, #GICC_PMR]
    mov w1, #GICC_CTLR_ENABLE
    str w1, [x0, #GICC_CTLR]
    ret

// timer_start: the first tick comes TICK_COUNTS after now.
timer_start:
    mrs x0, cntpct_el0
    ldr x1, =TICK_COUNTS
    add x0, x0, x1
    msr cntp_cval_el0, x0
    mov x0, #CNTP_CTL_ENABLE
    msr cntp_ctl_el0, x0
    ret

/*
 * handle_irq: spec: kernel.handle_irq. An interrupt while a thread (or the idle thread) ran.
 * Acknowledges it at the GIC, runs the tick for the timer's line, signals the end of the
 * interrupt and leaves through kernel_exit. A spurious interrupt is no transition of the spec:
 * straight back to the interrupted thread. Any other line is a device's (irq_interrupt).
 */
handle_irq:
.if CONFIG_DEBUG
    bl boot_report
.endif
    ldr x19, =GICC_VBASE
    ldr w20, [x19, #GICC_IAR]
    and w0, w20, #GICC_IAR_ID_MASK
    cmp w0, #GICC_SPURIOUS
    b.eq return_to_user
    cmp w0, #TIMER_IRQ
    b.ne handle_irq_device
    trace_hook trace_tick
    bl timer_tick
handle_irq_eoi:
    str w20, [x19, #GICC_EOIR]
    b kernel_exit

// Any other line: the spec's IrqEvent, a device interrupt (irq_interrupt).
handle_irq_device:
    trace_hook trace_irq
    and w0, w20, #GICC_IAR_ID_MASK
    bl irq_interrupt
    b handle_irq_eoi

/*
 * timer_tick: spec: kernel.tick. Re-arms the timer one period after the previous
 * deadline (so ticks do not drift), counts the tick, and charges it to the current thread: a
 * running thread whose time slice runs out gets a full slice and goes to the back of its queue.
 */
timer_tick:
    frame_enter
    mrs x0, cntp_cval_el0
    ldr x1, =TICK_COUNTS
    add x0, x0, x1
    msr cntp_cval_el0, x0
    adr x1, kstate
    ldr x2, [x1, #KSTATE_TICKS]
    add x2, x2, #1
    str x2, [x1, #KSTATE_TICKS]
.if CONFIG_SCENARIO == SCENARIO_SCHED
    bl scenario_tick
.endif
    adr x1, kstate
    ldr x0, [x1, #KSTATE_CURRENT]
    pa_to_va x0, x0
    ldr x2, [x0, #TCB_STATE]
    cmp x2, #TS_RUNNING
    b.ne timer_tick_done
    ldr x2, [x0, #TCB_TIME_SLICE]
    subs x2, x2, #1
    str x2, [x0, #TCB_TIME_SLICE]
    b.ne timer_tick_done
    mov x2, #TIME_SLICE_TICKS
    str x2, [x0, #TCB_TIME_SLICE]
    bl sched_append
timer_tick_done:
    frame_leave
    ret
