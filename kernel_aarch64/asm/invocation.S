/*
 * Invocations (spec: mlk.model.invocation): a Call or Send on a capability other than an
 * endpoint or notification performs the operation its message-info label names.
 *
 * The operation routines (inv_table) run with x19 = the caller's TCB, x20 = the invoked slot and
 * x21 = 1 for a Call (0 for Send or NBSend; a routine that destroys the caller clears it); they
 * keep x19-x21 and may clobber every other register. Their arguments are the caller's saved
 * message registers (ARG_MR0 ...). An operation that succeeds returns with x1 = the number of
 * reply values, which it left in inv_values; one that fails branches to inv_fail_<ERROR> (or to
 * inv_error with x0 = the error), abandoning whatever it had on the kernel stack: the kernel
 * stack is empty again at the next exit to user mode.
 */
.equ ARG_MR0, CTX_X0 + REG_MR0 * 8
.equ ARG_MR1, ARG_MR0 + 8
.equ ARG_MR2, ARG_MR0 + 16
.equ ARG_MR3, ARG_MR0 + 24
.equ ARG_MR4, ARG_MR0 + 32
.equ SAVED_MSGINFO, CTX_X0 + REG_MSGINFO * 8
.equ SAVED_BADGE, CTX_X0 + REG_BADGE * 8
.equ INV_LABEL_LAST, LABEL_PAGE_TABLE_UNMAP

/*
 * sys_invoke: spec: invocation.invoke. The common checks, in order: the label names an operation
 * of the invoked capability's kind (ILLEGAL_OPERATION); the message has the operation's
 * arguments (TRUNCATED_MESSAGE; a length beyond MSG_REGS counts as MSG_REGS). Then the operation,
 * and for a Call the kernel's reply (inv_reply).
 */
sys_invoke:
    ldr x0, [x19, #SAVED_MSGINFO]
    ubfx x1, x0, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    ubfx x2, x0, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    cmp x1, #INV_LABEL_LAST
    b.hi inv_fail_ILLEGAL_OPERATION
    ldr x3, [x20, #SLOT_INFO]
    and x3, x3, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    adr x4, inv_cap_types
    ldrb w5, [x4, x1]
    cmp x5, x3
    b.ne inv_fail_ILLEGAL_OPERATION
    adr x4, inv_arg_counts
    ldrb w5, [x4, x1]
    cmp x2, x5
    b.lo inv_fail_TRUNCATED_MESSAGE
    adr x4, inv_table
    add x4, x4, x1, lsl #2
    blr x4
    mov x0, #ERR_OK

/*
 * inv_reply: spec: invocation.reply_from_kernel. For a Call: x0 = the error goes to the caller's
 * x0, a message-info word with label 0 and x1 values to its x1, the values (inv_values) to its
 * message registers. A Send gets nothing.
 */
inv_reply:
    cbz x21, kernel_exit
    str x0, [x19, #SAVED_BADGE]
    lsl x2, x1, #MSGINFO_LENGTH_SHIFT
    str x2, [x19, #SAVED_MSGINFO]
    adr x2, inv_values
    add x3, x19, #ARG_MR0
inv_reply_value:
    cbz x1, inv_reply_done
    ldr x4, [x2], #8
    str x4, [x3], #8
    sub x1, x1, #1
    b inv_reply_value
inv_reply_done:
    trace_regs_written x19
    b kernel_exit

// inv_error: the operation failed with the error in x0: no reply values.
inv_error:
    mov x1, #0
    b inv_reply

// inv_fail_<ERROR>: fail the invocation with that error.
.macro inv_fail_stub error
inv_fail_\error:
    mov x0, #ERR_\error
    b inv_error
.endm
    inv_fail_stub INVALID_ARGUMENT
    inv_fail_stub ALIGNMENT_ERROR
    inv_fail_stub INVALID_CAPABILITY
    inv_fail_stub ILLEGAL_OPERATION
    inv_fail_stub RANGE_ERROR
    inv_fail_stub FAILED_LOOKUP
    inv_fail_stub TRUNCATED_MESSAGE
    inv_fail_stub DELETE_FIRST
    inv_fail_stub REVOKE_FIRST
    inv_fail_stub NOT_ENOUGH_MEMORY

// The operations by label (spec: invocation.OPERATIONS): a branch per label, then for each label
// the capability type it applies to and the number of arguments it needs.
inv_table:
    b inv_fail_ILLEGAL_OPERATION
    b untyped_retype
    b cnode_copy
    b cnode_mint
    b cnode_move
    b cnode_mutate
    b cnode_delete
    b cnode_revoke
    b tcb_configure
    b tcb_set_priority
    b tcb_suspend
    b tcb_resume
    b tcb_read_registers
    b tcb_write_registers
    b tcb_bind_notification
    b tcb_unbind_notification
    b irq_control_issue
    b irq_set_notification
    b irq_ack
    b irq_clear
    b frame_map
    b frame_unmap
    b page_table_map
    b page_table_unmap

inv_cap_types:
    .byte CAP_NULL, CAP_UNTYPED, CAP_CNODE, CAP_CNODE, CAP_CNODE, CAP_CNODE, CAP_CNODE, CAP_CNODE
    .byte CAP_TCB, CAP_TCB, CAP_TCB, CAP_TCB, CAP_TCB, CAP_TCB, CAP_TCB, CAP_TCB
    .byte CAP_IRQ_CONTROL, CAP_IRQ_HANDLER, CAP_IRQ_HANDLER, CAP_IRQ_HANDLER
    .byte CAP_FRAME, CAP_FRAME, CAP_PAGE_TABLE, CAP_PAGE_TABLE
inv_arg_counts:
    .byte 0, 5, 4, 5, 3, 5, 1, 1
    .byte 3, 1, 0, 0, 2, 2, 1, 0
    .byte 3, 1, 0, 0
    .byte 3, 0, 2, 0
.balign 8

.balign 8
// The reply values of the current invocation.
inv_values: .space 8 * MSG_REGS
