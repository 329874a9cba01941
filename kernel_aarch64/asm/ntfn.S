/*
 * Notifications (spec: mlk.model.ipc): Signal (Send or NBSend on a notification capability; a
 * Call also gets an empty OK reply), Wait and Poll (Recv and NBRecv), and the binding of a thread
 * and a notification (the TCB invocations BindNotification and UnbindNotification, spec:
 * mlk.model.tcb). A signalled thread gets x0 = the badge (or the signal word) and x1 = 0.
 * Register use as in ipc.S.
 */

/*
 * ntfn_signal: spec: ipc.signal. Signal the notification x0 with badge x1.
 *
 * IDLE with a bound thread blocked receiving on an endpoint: that thread stops receiving and
 * gets the badge. IDLE otherwise: it becomes ACTIVE with the badge as its word. WAITING: the head
 * waiter gets the badge and becomes runnable. ACTIVE: the badge is ORed into the word.
 */
ntfn_signal:
    frame_enter
    stp x22, x23, [sp, #-16]!
    mov x22, x0
    mov x23, x1
    ldr w0, [x22, #NTFN_STATE]
    cmp w0, #NTFNS_WAITING
    b.eq ntfn_signal_waiter
    cmp w0, #NTFNS_ACTIVE
    b.eq ntfn_signal_or
    ldr x0, [x22, #NTFN_BOUND]
    cbz x0, ntfn_signal_activate
    pa_to_va x0, x0
    ldr x1, [x0, #TCB_STATE]
    cmp x1, #TS_BLOCKED_ON_RECEIVE
    b.ne ntfn_signal_activate
    mov x22, x0
    bl thread_cancel_ipc
    b ntfn_signal_deliver
ntfn_signal_activate:
    mov w0, #NTFNS_ACTIVE
    str w0, [x22, #NTFN_STATE]
    str x23, [x22, #NTFN_WORD]
    b ntfn_signal_done
ntfn_signal_or:
    ldr x0, [x22, #NTFN_WORD]
    orr x0, x0, x23
    str x0, [x22, #NTFN_WORD]
    b ntfn_signal_done
ntfn_signal_waiter:
    add x0, x22, #NTFN_HEAD
    bl ipcq_pop
    cbnz x0, ntfn_signal_waiter_chosen
    mov w0, #NTFNS_IDLE
    str w0, [x22, #NTFN_STATE]
ntfn_signal_waiter_chosen:
    mov x22, x1
// The thread x22 gets the badge and becomes runnable.
ntfn_signal_deliver:
    str x23, [x22, #SAVED_BADGE]
    str xzr, [x22, #SAVED_MSGINFO]
    trace_regs_written x22
    mov x0, x22
    bl thread_wake
ntfn_signal_done:
    ldp x22, x23, [sp], #16
    frame_leave
    ret

/*
 * ntfn_wait: spec: ipc.wait. The current thread (x19) waits on (x1 = 1) or polls (x1 = 0) the
 * notification x0. ACTIVE: it gets the word and the notification becomes IDLE. Otherwise a wait
 * queues the thread at the tail in BLOCKED_ON_NOTIFICATION; a poll gets x0 = 0.
 */
ntfn_wait:
    frame_enter
    ldr w2, [x0, #NTFN_STATE]
    cmp w2, #NTFNS_ACTIVE
    b.ne ntfn_wait_none
    ldr x3, [x0, #NTFN_WORD]
    mov w2, #NTFNS_IDLE
    str w2, [x0, #NTFN_STATE]
    str xzr, [x0, #NTFN_WORD]
    str x3, [x19, #SAVED_BADGE]
    b ntfn_wait_written
ntfn_wait_none:
    cbz x1, ntfn_wait_poll
    mov x2, #TS_BLOCKED_ON_NOTIFICATION
    va_to_pa x3, x0
    stp x2, x3, [x19, #TCB_STATE]
    stp xzr, xzr, [x19, #TCB_STATE_BADGE]
    mov w2, #NTFNS_WAITING
    str w2, [x0, #NTFN_STATE]
    add x0, x0, #NTFN_HEAD
    mov x1, x19
    bl ipcq_append
    frame_leave
    ret
ntfn_wait_poll:
    str xzr, [x19, #SAVED_BADGE]
ntfn_wait_written:
    str xzr, [x19, #SAVED_MSGINFO]
    trace_regs_written x19
    frame_leave
    ret

/*
 * tcb_bind_notification: spec: tcb.bind_notification. MR0 = a notification CPtr: bind the
 * invoked thread and that notification, so that signals reach the thread while it receives on
 * an endpoint. Checks, in order: the notification (FAILED_LOOKUP, INVALID_CAPABILITY; also
 * INVALID_CAPABILITY without READ); the thread is bound already (ILLEGAL_OPERATION); the
 * notification is bound already or has waiters (ILLEGAL_OPERATION). Register use as in
 * invocation.S.
 */
tcb_bind_notification:
    frame_enter
    ldr x1, [x19, #ARG_MR0]
    mov x2, #CAP_NOTIFICATION
    bl cap_lookup_arg
    ldr x1, [x0, #SLOT_INFO]
    tst x1, #(RIGHT_READ << CAPINFO_RIGHTS_SHIFT)
    b.eq inv_fail_INVALID_CAPABILITY
    ldr x2, [x0, #SLOT_OBJ]
    ldr x3, [x20, #SLOT_OBJ]
    pa_to_va x4, x3
    ldr x5, [x4, #TCB_BOUND]
    cbnz x5, inv_fail_ILLEGAL_OPERATION
    pa_to_va x5, x2
    ldr x6, [x5, #NTFN_BOUND]
    cbnz x6, inv_fail_ILLEGAL_OPERATION
    ldr w6, [x5, #NTFN_STATE]
    cmp w6, #NTFNS_WAITING
    b.eq inv_fail_ILLEGAL_OPERATION
    str x2, [x4, #TCB_BOUND]
    str x3, [x5, #NTFN_BOUND]
    mov x1, #0
    frame_leave
    ret

/*
 * tcb_unbind_notification: spec: tcb.unbind_notification. Undo the invoked thread's binding.
 * Check: the thread is bound (ILLEGAL_OPERATION).
 */
tcb_unbind_notification:
    ldr x0, [x20, #SLOT_OBJ]
    pa_to_va x0, x0
    ldr x1, [x0, #TCB_BOUND]
    cbz x1, inv_fail_ILLEGAL_OPERATION
    mov x2, x30
    bl thread_unbind
    mov x30, x2
    mov x1, #0
    ret
