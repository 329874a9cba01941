/*
 * Message passing on endpoints (spec: mlk.model.ipc): sending (Send, NBSend, Call and fault
 * messages), receiving (Recv, NBRecv), replying, the message transfer and the capability that
 * may travel with a message. The current thread is x19 throughout: the sender of ipc_send, the
 * receiver of ipc_receive, the replier of ipc_reply. A message travels from the sender's saved
 * registers to the receiver's (no IPC buffer in memory): x0 the badge, x1 the message-info word
 * as received, x2.. the message registers; the receiver's other registers are left alone.
 *
 * The routines keep x19-x21 and the callee-saved registers they use (x22-x25, saved on the
 * kernel stack); they clobber x0-x15.
 */
.equ SAVED_XFER_CAP, CTX_X0 + REG_XFER_CAP * 8
.equ SAVED_RECV_SLOT, CTX_X0 + REG_RECV_SLOT * 8
.equ SAVED_MR0, CTX_X0 + REG_MR0 * 8
.equ SAVED_MR2, CTX_X0 + REG_MR2 * 8

/*
 * ipc_send: spec: ipc.send. The current thread (x19) sends on the endpoint x0 through a
 * capability with badge x1; x2 = the send's TSTATE_* flags (GRANT and GRANT_REPLY from the
 * capability's rights, CALL for a Call or a fault message), x3 = 1 for a blocking send.
 *
 * A receiver at the head of the queue gets the message and becomes runnable; a Call then awaits
 * its reply (ipc_await_reply). With no receiver, a blocking send queues the sender at the tail in
 * BLOCKED_ON_SEND with the badge and flags; a non-blocking send drops the message.
 */
ipc_send:
    frame_enter
    stp x22, x23, [sp, #-16]!
    stp x24, x25, [sp, #-16]!
    mov x22, x0
    mov x23, x1
    mov x24, x2
    mov x25, x3
    ldr x0, [x22, #EP_STATE]
    cmp x0, #EPS_RECEIVING
    b.ne ipc_send_no_receiver
    add x0, x22, #EP_HEAD
    bl ipcq_pop
    mov x25, x1
    cbnz x0, ipc_send_deliver
    mov x0, #EPS_IDLE
    str x0, [x22, #EP_STATE]
ipc_send_deliver:
    mov x0, x19
    mov x1, x25
    mov x2, x23
    and x3, x24, #TSTATE_GRANT
    and x4, x24, #TSTATE_CALL
    bl ipc_transfer
    mov x0, x25
    bl thread_wake
    tst x24, #TSTATE_CALL
    b.eq ipc_send_done
    mov x0, x19
    mov x1, x25
    mov x2, x24
    bl ipc_await_reply
    b ipc_send_done
ipc_send_no_receiver:
    cbz x25, ipc_send_done
    mov x0, #TS_BLOCKED_ON_SEND
    va_to_pa x1, x22
    stp x0, x1, [x19, #TCB_STATE]
    stp x23, x24, [x19, #TCB_STATE_BADGE]
    add x0, x22, #EP_HEAD
    mov x1, x19
    bl ipcq_append
    mov x0, #EPS_SENDING
    str x0, [x22, #EP_STATE]
ipc_send_done:
    ldp x24, x25, [sp], #16
    ldp x22, x23, [sp], #16
    frame_leave
    ret

/*
 * ipc_receive: spec: ipc.receive. The current thread (x19) receives on the endpoint x0; x1 = 1
 * for a blocking receive.
 *
 * First the reply right it holds is discarded. A pending signal on its bound notification is
 * taken instead of a message (ntfn_wait). Otherwise the sender at the head of the queue delivers
 * its message (with the badge and flags it blocked with); a Call sender then awaits this thread's
 * reply, any other sender becomes runnable. With no sender, a blocking receive queues the thread
 * at the tail in BLOCKED_ON_RECEIVE; a non-blocking one gets badge 0 and message-info 0.
 */
ipc_receive:
    frame_enter
    stp x22, x23, [sp, #-16]!
    stp x24, x25, [sp, #-16]!
    mov x22, x0
    mov x23, x1
    mov x0, x19
    bl thread_discard_reply
    ldr x0, [x19, #TCB_BOUND]
    cbz x0, ipc_receive_endpoint
    pa_to_va x0, x0
    ldr w2, [x0, #NTFN_STATE]
    cmp w2, #NTFNS_ACTIVE
    b.ne ipc_receive_endpoint
    mov x1, x23
    bl ntfn_wait
    b ipc_receive_done
ipc_receive_endpoint:
    ldr x0, [x22, #EP_STATE]
    cmp x0, #EPS_SENDING
    b.ne ipc_receive_no_sender
    add x0, x22, #EP_HEAD
    bl ipcq_pop
    mov x24, x1
    cbnz x0, ipc_receive_deliver
    mov x0, #EPS_IDLE
    str x0, [x22, #EP_STATE]
ipc_receive_deliver:
    ldp x2, x25, [x24, #TCB_STATE_BADGE]
    mov x0, x24
    mov x1, x19
    and x3, x25, #TSTATE_GRANT
    and x4, x25, #TSTATE_CALL
    bl ipc_transfer
    mov x0, x24
    tst x25, #TSTATE_CALL
    b.eq ipc_receive_wake
    mov x1, x19
    mov x2, x25
    bl ipc_await_reply
    b ipc_receive_done
ipc_receive_wake:
    bl thread_wake
    b ipc_receive_done
ipc_receive_no_sender:
    cbz x23, ipc_receive_poll
    mov x0, #TS_BLOCKED_ON_RECEIVE
    va_to_pa x1, x22
    stp x0, x1, [x19, #TCB_STATE]
    stp xzr, xzr, [x19, #TCB_STATE_BADGE]
    add x0, x22, #EP_HEAD
    mov x1, x19
    bl ipcq_append
    mov x0, #EPS_RECEIVING
    str x0, [x22, #EP_STATE]
    b ipc_receive_done
ipc_receive_poll:
    str xzr, [x19, #SAVED_BADGE]
    str xzr, [x19, #SAVED_MSGINFO]
    trace_regs_written x19
ipc_receive_done:
    ldp x24, x25, [sp], #16
    ldp x22, x23, [sp], #16
    frame_leave
    ret

/*
 * ipc_await_reply: spec: ipc._await_reply. After a Call's message (or a fault message) from the
 * thread x0 went through to the thread x1: the caller awaits x1's reply (BLOCKED_ON_REPLY, and x1
 * holds the reply right) when the capability's flags x2 had GRANT or GRANT_REPLY or the message
 * was a fault message; otherwise it becomes INACTIVE. Clobbers x3-x4.
 */
ipc_await_reply:
    tst x2, #(TSTATE_GRANT | TSTATE_GRANT_REPLY)
    b.ne ipc_await_reply_blocked
    ldr x3, [x0, #TCB_FAULT_KIND]
    cbnz x3, ipc_await_reply_blocked
    set_tstate x0, TS_INACTIVE, x3
    ret
ipc_await_reply_blocked:
    mov x3, #TS_BLOCKED_ON_REPLY
    va_to_pa x4, x1
    stp x3, x4, [x0, #TCB_STATE]
    stp xzr, xzr, [x0, #TCB_STATE_BADGE]
    va_to_pa x4, x0
    str x4, [x1, #TCB_REPLY]
    ret

/*
 * ipc_reply: spec: ipc.reply. The current thread (x19) replies to the thread awaiting its reply,
 * if there is one (else nothing happens); the reply right is used up. An ordinary caller gets the
 * message with badge 0 and no capability and becomes runnable. A thread awaiting the reply to a
 * fault message gets nothing: label 0 restarts it (runnable, resuming at its saved PC), any other
 * label leaves it INACTIVE; its fault is cleared either way.
 */
ipc_reply:
    frame_enter
    str x22, [sp, #-16]!
    ldr x0, [x19, #TCB_REPLY]
    cbz x0, ipc_reply_done
    str xzr, [x19, #TCB_REPLY]
    pa_to_va x22, x0
    ldr x1, [x22, #TCB_FAULT_KIND]
    cbz x1, ipc_reply_message
    clear_fault x22
    ldr x1, [x19, #SAVED_MSGINFO]
    ubfx x1, x1, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    cbnz x1, ipc_reply_stop
    mov x0, x22
    bl thread_wake
    b ipc_reply_done
ipc_reply_stop:
    set_tstate x22, TS_INACTIVE, x1
    b ipc_reply_done
ipc_reply_message:
    mov x0, x19
    mov x1, x22
    mov x2, #0
    mov x3, #0
    mov x4, #0
    bl ipc_transfer
    mov x0, x22
    bl thread_wake
ipc_reply_done:
    ldr x22, [sp], #16
    frame_leave
    ret

/*
 * ipc_transfer: spec: ipc.transfer. Deliver the message of the thread x0 to the thread x1 with
 * badge x2. x3 non-zero: the capability had GRANT (a capability may travel); x4 non-zero: the
 * sender calls, so when it has a pending fault the message is its fault message (label = the
 * kind, MR0, MR1 = the fault's words, MR2 = the faulting PC) instead of its registers. Otherwise
 * the message is the sender's label and min(length, MSG_REGS) message registers, with the
 * capability ipc_transfer_cap moves when GRANT allows and the message-info word asks for one.
 */
ipc_transfer:
    frame_enter
    stp x22, x23, [sp, #-16]!
    stp x24, x25, [sp, #-16]!
    mov x22, x0
    mov x23, x1
    mov x24, x2
    cbz x4, ipc_transfer_message
    ldr x5, [x22, #TCB_FAULT_KIND]
    cbz x5, ipc_transfer_message
    ldp x6, x7, [x22, #TCB_FAULT_A]
    ldr x8, [x22, #TCB_FAULT_PC]
    stp x6, x7, [x23, #SAVED_MR0]
    str x8, [x23, #SAVED_MR2]
    mov x1, #0
    bfi x1, x5, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    mov x6, #FAULT_MSG_LENGTH
    bfi x1, x6, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    b ipc_transfer_header
ipc_transfer_message:
    ldr x25, [x22, #SAVED_MSGINFO]
    mov x5, #0
    cbz x3, ipc_transfer_copy
    tst x25, #(MSGINFO_EXTRA_CAPS_MASK << MSGINFO_EXTRA_CAPS_SHIFT)
    b.eq ipc_transfer_copy
    mov x0, x22
    mov x1, x23
    bl ipc_transfer_cap
    mov x5, x0
ipc_transfer_copy:
    ubfx x6, x25, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    mov x7, #MSG_REGS
    cmp x6, x7
    csel x6, x7, x6, hi
    add x7, x22, #SAVED_MR0
    add x8, x23, #SAVED_MR0
    mov x9, x6
ipc_transfer_copy_next:
    cbz x9, ipc_transfer_copied
    ldr x10, [x7], #8
    str x10, [x8], #8
    sub x9, x9, #1
    b ipc_transfer_copy_next
ipc_transfer_copied:
    ubfx x1, x25, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    lsl x1, x1, #(MSGINFO_LABEL_SHIFT)
    bfi x1, x6, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    bfi x1, x5, #MSGINFO_EXTRA_CAPS_SHIFT, #MSGINFO_EXTRA_CAPS_WIDTH
ipc_transfer_header:
    str x24, [x23, #SAVED_BADGE]
    str x1, [x23, #SAVED_MSGINFO]
    trace_regs_written x23
    ldp x24, x25, [sp], #16
    ldp x22, x23, [sp], #16
    frame_leave
    ret

/*
 * ipc_transfer_cap: spec: ipc.transfer_cap. Copy the capability the sender x0 names in its x9
 * (XFER_CAP) into the empty slot the receiver x1 names in its x10 (RECV_SLOT) of its CSpace root,
 * as a child of the sender's capability (cap_derive: an untyped, page-table or VSpace capability
 * is never copied; a frame copy starts unmapped). Out: x0 = 1 when it was copied, 0 when anything
 * was missing (nothing named, a capability that cannot be copied, no empty receive slot).
 * Clobbers x0-x12.
 */
ipc_transfer_cap:
    frame_enter
    mov x11, x1
    ldr x1, [x0, #SAVED_XFER_CAP]
    bl cap_resolve
    cbz x0, ipc_transfer_cap_none
    mov x12, x0
    ldr x1, [x12, #SLOT_INFO]
    ldr x3, [x12, #SLOT_DATA]
    bl cap_derive
    cbz x4, ipc_transfer_cap_none
    ldr x5, [x11, #TCB_CSPACE]
    cbz x5, ipc_transfer_cap_none
    ldr x6, [x11, #SAVED_RECV_SLOT]
    cmp x6, #NULL_CPTR
    b.eq ipc_transfer_cap_none
    ldr x7, [x11, #TCB_CSPACE_RADIX]
    lsr x7, x6, x7
    cbnz x7, ipc_transfer_cap_none
    pa_to_va x5, x5
    add x0, x5, x6, lsl #(CNODE_SLOT_BITS)
    ldr x7, [x0, #SLOT_INFO]
    tst x7, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.ne ipc_transfer_cap_none
    ldr x2, [x12, #SLOT_OBJ]
    mov x4, x12
    bl cdt_insert
    mov x0, #1
    frame_leave
    ret
ipc_transfer_cap_none:
    mov x0, #0
    frame_leave
    ret
