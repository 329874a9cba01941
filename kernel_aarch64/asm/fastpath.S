/*
 * The fast paths of Call and ReplyRecv (CONFIG_FASTPATH builds). In the common case of a client
 * calling a server that already waits, and of a server replying and waiting again, the whole
 * transition is a copy of registers from one TCB to the other and a direct switch to the thread
 * that receives. Each fast path first checks, without changing anything, that the slow path
 * (syscall_dispatch) would do exactly this, and otherwise falls back to it; so the results (the
 * registers written, the kernel state, the thread that runs next, the trace) are the slow path's,
 * which the refinement checker confirms on the FASTPATH scenario. KSTATE_FASTPATH_CALLS and
 * KSTATE_FASTPATH_REPLY_RECVS count the transitions each one completed.
 *
 * The scheduling condition of both: no ready thread at or above the priority of the thread that
 * is woken. The slow path appends it to the tail of its ready queue and then runs the head of the
 * highest non-empty queue, which is then that very thread (the current thread blocks, so it is
 * not put back); a ready thread of the same priority would run first instead.
 */

/*
 * fastpath_none_ready_from: branch to \slow when some ready queue of priority \prio or above is
 * non-empty. Clobbers x1-x4.
 */
.macro fastpath_none_ready_from prio, slow
    adr x1, kstate
    add x1, x1, #KSTATE_READY0
    lsr x2, \prio, #(KSTATE_READY_SHIFT)
    ldr x3, [x1, x2, lsl #3]
    lsr x3, x3, \prio
    cbnz x3, \slow
fastpath_words\@:
    add x2, x2, #1
    cmp x2, #(NUM_PRIORITIES >> KSTATE_READY_SHIFT)
    b.hs fastpath_none_ready\@
    ldr x3, [x1, x2, lsl #3]
    cbnz x3, \slow
    b fastpath_words\@
fastpath_none_ready\@:
.endm

/*
 * fastpath_copy_message: the message of thread \from (its message-info word in x5) to thread \to
 * with badge \badge: min(length, MSG_REGS) message registers, then x0 = the badge and x1 = the
 * label and length (no capability). Clobbers x2-x7.
 */
.macro fastpath_copy_message from, to, badge
    ubfx x6, x5, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    mov x7, #MSG_REGS
    cmp x6, x7
    csel x6, x7, x6, hi
    add x2, \from, #SAVED_MR0
    add x3, \to, #SAVED_MR0
    mov x4, x6
fastpath_copy\@:
    cbz x4, fastpath_copied\@
    ldr x7, [x2], #8
    str x7, [x3], #8
    sub x4, x4, #1
    b fastpath_copy\@
fastpath_copied\@:
    ubfx x7, x5, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    lsl x7, x7, #(MSGINFO_LABEL_SHIFT)
    bfi x7, x6, #MSGINFO_LENGTH_SHIFT, #MSGINFO_LENGTH_WIDTH
    str \badge, [\to, #SAVED_BADGE]
    str x7, [\to, #SAVED_MSGINFO]
.endm

/*
 * fastpath_count: add one to the kstate counter at offset \field. Leaves x1 = kstate; clobbers x2.
 */
.macro fastpath_count field
    adr x1, kstate
    ldr x2, [x1, #\field]
    add x2, x2, #1
    str x2, [x1, #\field]
.endm

/*
 * fastpath_call: spec: ipc.send. A Call (x19 = the caller) on an endpoint capability with WRITE
 * and with GRANT or GRANT_REPLY (the caller will await the reply), asking for no capability
 * transfer the capability allows, when a receiver waits at the head of the endpoint's queue and
 * no ready thread is at or above the receiver's priority: the receiver gets the message and runs;
 * the caller awaits its reply. (The caller runs, so it has no pending fault: the spec's
 * invariant valid_tcb_state; its message is its registers.)
 *
 * Register roles: x8 the receiver, x9 its priority, x10 the badge, x11 the slot, x12 the
 * endpoint.
 */
fastpath_call:
    ldr x1, [x19, #SAVED_CPTR]
    mov x0, x19
    bl cap_resolve
    cbz x0, fastpath_slow
    mov x11, x0
    ldr x1, [x11, #SLOT_INFO]
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x2, #CAP_ENDPOINT
    b.ne fastpath_slow
    tst x1, #(RIGHT_WRITE << CAPINFO_RIGHTS_SHIFT)
    b.eq fastpath_slow
    tst x1, #((RIGHT_GRANT | RIGHT_GRANT_REPLY) << CAPINFO_RIGHTS_SHIFT)
    b.eq fastpath_slow
    ldr x5, [x19, #SAVED_MSGINFO]
    tst x1, #(RIGHT_GRANT << CAPINFO_RIGHTS_SHIFT)
    b.eq fastpath_call_no_grant
    tst x5, #(MSGINFO_EXTRA_CAPS_MASK << MSGINFO_EXTRA_CAPS_SHIFT)
    b.ne fastpath_slow
fastpath_call_no_grant:
    ldr x12, [x11, #SLOT_OBJ]
    pa_to_va x12, x12
    ldr x2, [x12, #EP_STATE]
    cmp x2, #EPS_RECEIVING
    b.ne fastpath_slow
    ldr w8, [x12, #EP_HEAD]
    pa_to_va x8, x8
    ldr x9, [x8, #TCB_PRIORITY]
    fastpath_none_ready_from x9, fastpath_slow
    // Committed. The receiver leaves the endpoint's queue (an emptied queue makes it IDLE).
    ldr x2, [x8, #TCB_IPC_NEXT]
    str w2, [x12, #EP_HEAD]
    cbnz x2, fastpath_call_more
    str wzr, [x12, #EP_TAIL]
    mov x3, #EPS_IDLE
    str x3, [x12, #EP_STATE]
    b fastpath_call_dequeued
fastpath_call_more:
    pa_to_va x3, x2
    str xzr, [x3, #TCB_IPC_PREV]
fastpath_call_dequeued:
    str xzr, [x8, #TCB_IPC_NEXT]
    ldr x10, [x11, #SLOT_DATA]
    fastpath_copy_message x19, x8, x10
    set_tstate x8, TS_RUNNING, x2
    mov x2, #TS_BLOCKED_ON_REPLY
    va_to_pa x3, x8
    stp x2, x3, [x19, #TCB_STATE]
    stp xzr, xzr, [x19, #TCB_STATE_BADGE]
    va_to_pa x2, x19
    str x2, [x8, #TCB_REPLY]
    trace_regs_written x8
    fastpath_count KSTATE_FASTPATH_CALLS
    va_to_pa x2, x8
    str x2, [x1, #KSTATE_CURRENT]
    b kernel_exit_switch

/*
 * fastpath_reply_recv: spec: ipc.reply, then ipc.receive. A ReplyRecv (x19 = the server) that
 * holds the reply right of a caller without a pending fault, on an endpoint capability with READ
 * whose endpoint has no sender queued, while the server's bound notification (if any) has no
 * pending signal, when no ready thread is at or above the caller's priority: the caller gets the
 * reply (badge 0) and runs; the server waits at the tail of the endpoint's queue.
 *
 * Register roles: x8 the caller, x9 its priority, x12 the endpoint.
 */
fastpath_reply_recv:
    ldr x8, [x19, #TCB_REPLY]
    cbz x8, fastpath_slow
    pa_to_va x8, x8
    ldr x2, [x8, #TCB_FAULT_KIND]
    cbnz x2, fastpath_slow
    ldr x1, [x19, #SAVED_CPTR]
    mov x0, x19
    bl cap_resolve
    cbz x0, fastpath_slow
    ldr x1, [x0, #SLOT_INFO]
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x2, #CAP_ENDPOINT
    b.ne fastpath_slow
    tst x1, #(RIGHT_READ << CAPINFO_RIGHTS_SHIFT)
    b.eq fastpath_slow
    ldr x12, [x0, #SLOT_OBJ]
    pa_to_va x12, x12
    ldr x2, [x12, #EP_STATE]
    cmp x2, #EPS_SENDING
    b.eq fastpath_slow
    ldr x3, [x19, #TCB_BOUND]
    cbz x3, fastpath_reply_unbound
    pa_to_va x3, x3
    ldr w4, [x3, #NTFN_STATE]
    cmp w4, #NTFNS_ACTIVE
    b.eq fastpath_slow
fastpath_reply_unbound:
    ldr x9, [x8, #TCB_PRIORITY]
    fastpath_none_ready_from x9, fastpath_slow
    // Committed: the reply.
    str xzr, [x19, #TCB_REPLY]
    ldr x5, [x19, #SAVED_MSGINFO]
    fastpath_copy_message x19, x8, xzr
    set_tstate x8, TS_RUNNING, x2
    trace_regs_written x8
    // The receive: the server waits at the tail of the endpoint's queue.
    mov x2, #TS_BLOCKED_ON_RECEIVE
    va_to_pa x3, x12
    stp x2, x3, [x19, #TCB_STATE]
    stp xzr, xzr, [x19, #TCB_STATE_BADGE]
    add x0, x12, #EP_HEAD
    mov x1, x19
    bl ipcq_append
    mov x2, #EPS_RECEIVING
    str x2, [x12, #EP_STATE]
    fastpath_count KSTATE_FASTPATH_REPLY_RECVS
    va_to_pa x2, x8
    str x2, [x1, #KSTATE_CURRENT]
    b kernel_exit_switch

// fastpath_slow: a condition failed; nothing was changed: the slow path handles the call.
fastpath_slow:
    ldr x0, [x19, #SAVED_SYSNO]
    b syscall_dispatch
