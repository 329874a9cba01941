/*
 * The TCB invocations (spec: mlk.model.tcb): Configure, SetPriority, Suspend, Resume,
 * ReadRegisters and WriteRegisters. The invoked TCB capability (x20) names the target thread.
 * Register use as in invocation.S.
 */

// invoked_tcb: \rd = the kernel virtual address of the thread the invoked capability names.
.macro invoked_tcb rd
    ldr \rd, [x20, #SLOT_OBJ]
    pa_to_va \rd, \rd
.endm

/*
 * tcb_configure: spec: tcb.configure. MR0 = fault endpoint CPtr (stored as given), MR1 = CSpace
 * root CPtr, MR2 = VSpace CPtr (the null CPtr: none). Checks, in order: the CSpace root
 * (FAILED_LOOKUP, INVALID_CAPABILITY unless a CNode), the VSpace (FAILED_LOOKUP,
 * INVALID_CAPABILITY unless a VSpace).
 * Register roles: x22 the CSpace root (physical address), x23 its radix, x24 the VSpace.
 */
tcb_configure:
    frame_enter
    mov x22, #0
    mov x23, #0
    ldr x1, [x19, #ARG_MR1]
    cmp x1, #NULL_CPTR
    b.eq tcb_configure_vspace
    mov x2, #CAP_CNODE
    bl cap_lookup_arg
    ldr x22, [x0, #SLOT_OBJ]
    ldr x23, [x0, #SLOT_INFO]
    ubfx x23, x23, #CAPINFO_SIZE_BITS_SHIFT, #CAPINFO_SIZE_BITS_WIDTH
tcb_configure_vspace:
    mov x24, #0
    ldr x1, [x19, #ARG_MR2]
    cmp x1, #NULL_CPTR
    b.eq tcb_configure_set
    mov x2, #CAP_VSPACE
    bl cap_lookup_arg
    ldr x24, [x0, #SLOT_OBJ]
tcb_configure_set:
    invoked_tcb x0
    ldr x1, [x19, #ARG_MR0]
    str x1, [x0, #TCB_FAULT_EP]
    mov x1, x22
    mov x2, x23
    mov x3, x24
    bl thread_set_spaces
    mov x1, #0
    frame_leave
    ret

/*
 * tcb_set_priority: spec: tcb.set_priority. MR0 = the priority. Checks, in order: it is below
 * NUM_PRIORITIES (RANGE_ERROR); it does not exceed the caller's own priority
 * (ILLEGAL_OPERATION). A queued thread moves to the tail of its new priority's queue.
 * Register roles: x22 the thread, x23 the priority, x24 whether the thread was queued.
 */
tcb_set_priority:
    frame_enter
    ldr x23, [x19, #ARG_MR0]
    cmp x23, #NUM_PRIORITIES
    b.hs inv_fail_RANGE_ERROR
    ldr x0, [x19, #TCB_PRIORITY]
    cmp x23, x0
    b.hi inv_fail_ILLEGAL_OPERATION
    invoked_tcb x22
    mov x0, x22
    bl sched_queued
    mov x24, x0
    cbz x24, tcb_set_priority_store
    mov x0, x22
    bl sched_dequeue
tcb_set_priority_store:
    str x23, [x22, #TCB_PRIORITY]
    cbz x24, tcb_set_priority_done
    mov x0, x22
    bl sched_append
tcb_set_priority_done:
    mov x1, #0
    frame_leave
    ret

/*
 * tcb_suspend: spec: tcb.suspend. The thread becomes INACTIVE (thread_suspend); a thread that
 * suspends itself still gets the reply to its Call.
 */
tcb_suspend:
    frame_enter
    invoked_tcb x0
    bl thread_suspend
    mov x1, #0
    frame_leave
    ret

/*
 * tcb_resume: spec: tcb.resume. An INACTIVE thread becomes runnable at the tail of its queue and
 * continues from its saved registers; a thread in any other state is left alone.
 */
tcb_resume:
    frame_enter
    invoked_tcb x0
    ldr x1, [x0, #TCB_STATE]
    cmp x1, #TS_INACTIVE
    b.ne tcb_resume_done
    bl thread_wake
tcb_resume_done:
    mov x1, #0
    frame_leave
    ret

/*
 * tcb_register_range: spec: tcb._register_range. x1 = the first register, x2 = the count, x3 =
 * the largest count: RANGE_ERROR unless 1 <= count <= x3 and first + count <= CONTEXT_REGS
 * (computed without wrapping). Clobbers x3.
 */
tcb_register_range:
    sub x2, x2, #1
    cmp x2, x3
    add x2, x2, #1
    b.hs inv_fail_RANGE_ERROR
    mov x3, #CONTEXT_REGS
    sub x3, x3, x2
    cmp x1, x3
    b.hi inv_fail_RANGE_ERROR
    ret

/*
 * tcb_read_registers: spec: tcb.read_registers. MR0 = the first register, MR1 = the count: reply
 * with the thread's saved registers first .. first + count - 1 (mlk.abi.syscalls.ContextReg
 * numbering). Check: 1 <= count <= MSG_REGS and the registers exist (RANGE_ERROR).
 */
tcb_read_registers:
    frame_enter
    ldp x1, x2, [x19, #ARG_MR0]
    mov x3, #MSG_REGS
    bl tcb_register_range
    invoked_tcb x4
    adr x5, context_reg_offsets
    adr x6, inv_values
    mov x0, x2
tcb_read_registers_next:
    ldrh w7, [x5, x1, lsl #1]
    ldr x7, [x4, x7]
    str x7, [x6], #8
    add x1, x1, #1
    subs x0, x0, #1
    b.ne tcb_read_registers_next
    mov x1, x2
    frame_leave
    ret

/*
 * tcb_write_registers: spec: tcb.write_registers. MR0 = the first register, MR1 = the count,
 * MR2.. = the values: set the thread's saved registers first .. first + count - 1. Checks, in
 * order: 1 <= count <= MSG_REGS - 2 and the registers exist (RANGE_ERROR); the message holds the
 * values (TRUNCATED_MESSAGE). The values are read before any is written, so a thread writing its
 * own message registers writes the values it sent; its reply comes after them.
 */
tcb_write_registers:
    frame_enter
    ldp x1, x2, [x19, #ARG_MR0]
    mov x3, #(MSG_REGS - 2)
    bl tcb_register_range
    ldr x3, [x19, #SAVED_MSGINFO]
    ubfx x3, x3, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    add x4, x2, #2
    cmp x3, x4
    b.lo inv_fail_TRUNCATED_MESSAGE
    invoked_tcb x22
    adr x3, context_reg_offsets
    ldp x4, x5, [x19, #ARG_MR2]
    ldp x6, x7, [x19, #ARG_MR4]
tcb_write_registers_next:
    ldrh w0, [x3, x1, lsl #1]
    str x4, [x22, x0]
    mov x4, x5
    mov x5, x6
    mov x6, x7
    add x1, x1, #1
    subs x2, x2, #1
    b.ne tcb_write_registers_next
    trace_regs_written x22
    mov x1, #0
    frame_leave
    ret

// The offset in a TCB of each modelled register, in mlk.abi.syscalls.ContextReg order.
context_reg_offsets:
    .hword CTX_X0, CTX_X1, CTX_X2, CTX_X3, CTX_X4, CTX_X5, CTX_X6, CTX_X7, CTX_X8, CTX_X9, CTX_X10
    .hword CTX_SP_EL0, CTX_ELR_EL1
.balign 8
