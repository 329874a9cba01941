/*
 * Kernel entry and exit. Every entry saves the whole user context into the current TCB, performs
 * one spec transition (a system call, a user fault, the tick), makes the spec's scheduling
 * decision (mlk.model.sched.schedule) and returns to the chosen thread.
 */

el0_sync_entry:
    save_user_context
    b handle_el0_sync

el0_irq_entry:
    save_user_context
    b handle_irq

// An IRQ at EL1 is expected only while the idle thread runs; anything else is a kernel bug.
el1_irq_entry:
    save_user_context
    adr x1, idle_tcb
    cmp x0, x1
    b.eq handle_irq
    mov x0, #5
    b panic_exception

/*
 * handle_el0_sync: a synchronous exception from EL0: a system call (spec: kernel.handle_syscall)
 * or a user fault (spec: kernel.handle_fault; the kind is chosen in user_exception).
 */
handle_el0_sync:
.if CONFIG_DEBUG
    bl boot_report
.endif
    mrs x1, esr_el1
    ubfx x2, x1, #ESR_EC_SHIFT, #ESR_EC_WIDTH
    cmp x2, #EC_SVC64
    b.eq handle_syscall
    b user_exception

/*
 * kernel_exit: the end of every transition: schedule, record the decision (SCHED), offer the
 * harness a checkpoint (trace.S), then return to the current thread.
 */
kernel_exit:
    bl schedule
// kernel_exit_switch: a transition whose scheduling decision is made (KSTATE_CURRENT) ends here.
kernel_exit_switch:
    trace_hook trace_sched
    trace_hook trace_checkpoint

/*
 * return_to_user: enter the current thread: its TCB in TPIDR_EL1, its address space in TTBR0_EL1
 * (ASID-tagged, so no TLB maintenance; a thread without a VSpace, the idle thread too, gets the
 * kernel's empty table, where every user access faults), an empty kernel stack, then its saved
 * context.
 */
return_to_user:
    adr x1, kstate
    ldr x0, [x1, #KSTATE_CURRENT]
    pa_to_va x0, x0
    msr tpidr_el1, x0
    ldr x1, [x0, #TCB_TTBR0]
    cbnz x1, return_space_known
    adr x2, user_empty_table
    va_to_pa x2, x2
    vspace_ttbr x1, x2
return_space_known:
    mrs x2, ttbr0_el1
    cmp x1, x2
    b.eq return_same_space
    msr ttbr0_el1, x1
    isb
return_same_space:
    adr x1, boot_stack_top
    mov sp, x1
    restore_user_context return_eret
