/*
 * The scheduler (spec: mlk.model.sched). NUM_PRIORITIES FIFO ready queues, doubly linked through
 * the TCBs (sched_next, sched_prev hold physical addresses), and a bitmap of the non-empty ones
 * (KSTATE_READY0..) so the highest is found with clz. The current thread is never queued while
 * it runs. Routines take a TCB's kernel virtual address in x0 and clobber x0-x7 only.
 */

// Queue address of the priority in \prio into \rd (kernel virtual address); \ks = kstate.
.macro sched_queue rd, ks, prio
    add \rd, \ks, #KSTATE_QUEUES
    add \rd, \rd, \prio, lsl #(SCHEDQ_SHIFT)
.endm

/*
 * sched_append: spec: sched.enqueue. Append the thread at x0 to the tail of its queue.
 */
sched_append:
    adr x1, kstate
    ldr x2, [x0, #TCB_PRIORITY]
    sched_queue x3, x1, x2
    va_to_pa x4, x0
    ldr x5, [x3, #SCHEDQ_TAIL]
    str xzr, [x0, #TCB_SCHED_NEXT]
    str x5, [x0, #TCB_SCHED_PREV]
    str x4, [x3, #SCHEDQ_TAIL]
    cbz x5, sched_link_only
    pa_to_va x6, x5
    str x4, [x6, #TCB_SCHED_NEXT]
    ret

/*
 * sched_prepend: spec: sched.enqueue_head. Put the thread at x0 at the head of its queue.
 */
sched_prepend:
    adr x1, kstate
    ldr x2, [x0, #TCB_PRIORITY]
    sched_queue x3, x1, x2
    va_to_pa x4, x0
    ldr x5, [x3, #SCHEDQ_HEAD]
    str x5, [x0, #TCB_SCHED_NEXT]
    str xzr, [x0, #TCB_SCHED_PREV]
    str x4, [x3, #SCHEDQ_HEAD]
    cbz x5, sched_first_in_queue
    pa_to_va x6, x5
    str x4, [x6, #TCB_SCHED_PREV]
    ret

// The queue was empty: the thread (PA in x4) is also its tail; mark the priority ready.
sched_link_only:
    str x4, [x3, #SCHEDQ_HEAD]
    b sched_mark_ready
sched_first_in_queue:
    str x4, [x3, #SCHEDQ_TAIL]
sched_mark_ready:
    lsr x5, x2, #KSTATE_READY_SHIFT
    add x6, x1, #KSTATE_READY0
    ldr x7, [x6, x5, lsl #3]
    mov x3, #1
    lsl x3, x3, x2
    orr x7, x7, x3
    str x7, [x6, x5, lsl #3]
    ret

/*
 * sched_dequeue: spec: sched.dequeue. Take the thread at x0 out of its ready queue, if it is in
 * it (a running thread that is not queued is the current one).
 */
sched_dequeue:
    adr x1, kstate
    ldr x2, [x0, #TCB_PRIORITY]
    sched_queue x3, x1, x2
    va_to_pa x4, x0
    ldr x5, [x0, #TCB_SCHED_PREV]
    ldr x6, [x0, #TCB_SCHED_NEXT]
    cbnz x5, sched_dequeue_middle
    ldr x7, [x3, #SCHEDQ_HEAD]
    cmp x7, x4
    b.ne sched_dequeue_done
    str x6, [x3, #SCHEDQ_HEAD]
    b sched_dequeue_next
sched_dequeue_middle:
    pa_to_va x7, x5
    str x6, [x7, #TCB_SCHED_NEXT]
sched_dequeue_next:
    str xzr, [x0, #TCB_SCHED_PREV]
    str xzr, [x0, #TCB_SCHED_NEXT]
    cbz x6, sched_dequeue_tail
    pa_to_va x7, x6
    str x5, [x7, #TCB_SCHED_PREV]
    ret
// The thread was the tail: its predecessor is the new tail; an emptied queue is not ready.
sched_dequeue_tail:
    str x5, [x3, #SCHEDQ_TAIL]
    cbnz x5, sched_dequeue_done
    lsr x5, x2, #KSTATE_READY_SHIFT
    add x6, x1, #KSTATE_READY0
    ldr x7, [x6, x5, lsl #3]
    mov x3, #1
    lsl x3, x3, x2
    bic x7, x7, x3
    str x7, [x6, x5, lsl #3]
sched_dequeue_done:
    ret

/*
 * sched_queued: x0 = 1 when the thread at x0 is in its ready queue (it has a predecessor there,
 * or it is the queue's head), else 0.
 */
sched_queued:
    ldr x1, [x0, #TCB_SCHED_PREV]
    cbnz x1, sched_queued_yes
    adr x1, kstate
    ldr x2, [x0, #TCB_PRIORITY]
    sched_queue x3, x1, x2
    ldr x3, [x3, #SCHEDQ_HEAD]
    va_to_pa x4, x0
    cmp x3, x4
    cset x0, eq
    ret
sched_queued_yes:
    mov x0, #1
    ret

/*
 * schedule: spec: sched.schedule. A current thread that is still RUNNING and not queued goes back
 * to the head of its queue; then the head of the highest non-empty queue is taken out and becomes
 * current, or the idle thread when all queues are empty.
 */
schedule:
    frame_enter
    adr x1, kstate
    ldr x0, [x1, #KSTATE_CURRENT]
    pa_to_va x0, x0
    ldr x2, [x0, #TCB_STATE]
    cmp x2, #TS_RUNNING
    b.ne schedule_choose
    ldr x2, [x0, #TCB_SCHED_PREV]
    cbnz x2, schedule_choose
    ldr x2, [x0, #TCB_PRIORITY]
    sched_queue x3, x1, x2
    ldr x3, [x3, #SCHEDQ_HEAD]
    va_to_pa x4, x0
    cmp x3, x4
    b.eq schedule_choose
    bl sched_prepend
schedule_choose:
    adr x1, kstate
    add x6, x1, #KSTATE_READY0
    mov x5, #((NUM_PRIORITIES >> KSTATE_READY_SHIFT) - 1)
schedule_scan:
    ldr x7, [x6, x5, lsl #3]
    cbnz x7, schedule_found
    subs x5, x5, #1
    b.ge schedule_scan
    ldr x0, [x1, #KSTATE_IDLE]
    str x0, [x1, #KSTATE_CURRENT]
    frame_leave
    ret

// Word x5 of the bitmap (value x7) is non-zero: its highest bit is the priority to run.
schedule_found:
    clz x7, x7
    mov x2, #((1 << KSTATE_READY_SHIFT) - 1)
    sub x2, x2, x7
    add x2, x2, x5, lsl #(KSTATE_READY_SHIFT)
    sched_queue x3, x1, x2
    ldr x4, [x3, #SCHEDQ_HEAD]
    str x4, [x1, #KSTATE_CURRENT]
    pa_to_va x0, x4
    ldr x7, [x0, #TCB_SCHED_NEXT]
    str xzr, [x0, #TCB_SCHED_NEXT]
    str x7, [x3, #SCHEDQ_HEAD]
    cbz x7, schedule_emptied
    pa_to_va x7, x7
    str xzr, [x7, #TCB_SCHED_PREV]
    frame_leave
    ret

// The queue is now empty: clear its tail and its ready bit.
schedule_emptied:
    str xzr, [x3, #SCHEDQ_TAIL]
    ldr x7, [x6, x5, lsl #3]
    mov x3, #1
    lsl x3, x3, x2
    bic x7, x7, x3
    str x7, [x6, x5, lsl #3]
    frame_leave
    ret
