/*
 * Thread life-cycle helpers (spec: mlk.model.threads), the FIFO queues of the threads blocked
 * on an endpoint or a notification (mlk.abi.layout.IPC_QUEUE: head and tail, 32-bit physical
 * addresses, linked through the TCBs' ipc_next and ipc_prev), and the list of the threads that
 * have a CSpace or a VSpace (TCB spaces_next/spaces_prev, headed by KSTATE_SPACES), which stands
 * for the spec's tcb_refs counts: the kernel keeps no counters, a CNode or VSpace is some
 * thread's space exactly when a thread on the list names it. A queue is passed by its own kernel
 * virtual address (the object's plus EP_HEAD or NTFN_HEAD), a thread by its TCB's kernel virtual
 * address; every link stored in memory is a physical address.
 */

/*
 * ipcq_append: append the thread x1 to the tail of the queue x0 (a blocking send, receive or
 * wait in mlk.model.ipc). Clobbers x2-x3.
 */
ipcq_append:
    va_to_pa x2, x1
    ldr w3, [x0, #IPCQ_TAIL]
    str xzr, [x1, #TCB_IPC_NEXT]
    str x3, [x1, #TCB_IPC_PREV]
    str w2, [x0, #IPCQ_TAIL]
    cbz w3, ipcq_append_first
    pa_to_va x3, x3
    str x2, [x3, #TCB_IPC_NEXT]
    ret
ipcq_append_first:
    str w2, [x0, #IPCQ_HEAD]
    ret

/*
 * ipcq_remove: take the thread x1 (kept) out of the queue x0, which holds it (the head, when a
 * message or signal is delivered in mlk.model.ipc; any member, in threads.cancel_ipc). Out: x0 =
 * the queue's head afterwards (physical; 0: the queue is empty). Clobbers x2-x4.
 */
ipcq_remove:
    ldr x2, [x1, #TCB_IPC_PREV]
    ldr x3, [x1, #TCB_IPC_NEXT]
    str xzr, [x1, #TCB_IPC_PREV]
    str xzr, [x1, #TCB_IPC_NEXT]
    cbz x2, ipcq_remove_head
    pa_to_va x4, x2
    str x3, [x4, #TCB_IPC_NEXT]
    b ipcq_remove_next
ipcq_remove_head:
    str w3, [x0, #IPCQ_HEAD]
ipcq_remove_next:
    cbz x3, ipcq_remove_tail
    pa_to_va x4, x3
    str x2, [x4, #TCB_IPC_PREV]
    b ipcq_remove_done
ipcq_remove_tail:
    str w2, [x0, #IPCQ_TAIL]
ipcq_remove_done:
    ldr w0, [x0, #IPCQ_HEAD]
    ret

/*
 * ipcq_pop: take the head of the non-empty queue x0 out. Out: x1 = that thread, x0 = the
 * queue's new head (0: empty). Clobbers x2-x4.
 */
ipcq_pop:
    ldr w1, [x0, #IPCQ_HEAD]
    pa_to_va x1, x1
    b ipcq_remove

/*
 * thread_wake: spec: sched.wake. The thread x0 becomes RUNNING and goes to the tail of its ready
 * queue. Clobbers x0-x7.
 */
thread_wake:
    set_tstate x0, TS_RUNNING, x1
    b sched_append

/*
 * thread_cancel_ipc: spec: threads.cancel_ipc. Detach the thread x0 from what it is blocked on or
 * queued in: an endpoint's or notification's queue (an emptied queue makes the object IDLE), the
 * reply right of the thread it awaits a reply from, or its ready queue. Its state is left for the
 * caller to set. Clobbers x0-x7.
 */
thread_cancel_ipc:
    ldr x1, [x0, #TCB_STATE]
    cmp x1, #TS_BLOCKED_ON_SEND
    b.eq thread_cancel_endpoint
    cmp x1, #TS_BLOCKED_ON_RECEIVE
    b.eq thread_cancel_endpoint
    cmp x1, #TS_BLOCKED_ON_NOTIFICATION
    b.eq thread_cancel_notification
    cmp x1, #TS_BLOCKED_ON_REPLY
    b.eq thread_cancel_reply
    cmp x1, #TS_RUNNING
    b.eq sched_dequeue
    ret
thread_cancel_endpoint:
    mov x7, x30
    mov x1, x0
    ldr x6, [x1, #TCB_STATE_OBJ]
    pa_to_va x6, x6
    add x0, x6, #EP_HEAD
    bl ipcq_remove
    mov x30, x7
    cbnz x0, thread_cancel_done
    mov x0, #EPS_IDLE
    str x0, [x6, #EP_STATE]
    ret
thread_cancel_notification:
    mov x7, x30
    mov x1, x0
    ldr x6, [x1, #TCB_STATE_OBJ]
    pa_to_va x6, x6
    add x0, x6, #NTFN_HEAD
    bl ipcq_remove
    mov x30, x7
    cbnz x0, thread_cancel_done
    mov w0, #NTFNS_IDLE
    str w0, [x6, #NTFN_STATE]
    ret
thread_cancel_reply:
    ldr x1, [x0, #TCB_STATE_OBJ]
    cbz x1, thread_cancel_done
    pa_to_va x1, x1
    str xzr, [x1, #TCB_REPLY]
thread_cancel_done:
    ret

/*
 * thread_suspend: spec: threads.suspend. The thread x0 becomes INACTIVE, detached from whatever
 * it waited in, its pending fault forgotten; the reply right it holds is kept. Clobbers x0-x8.
 */
thread_suspend:
    frame_enter
    mov x8, x0
    bl thread_cancel_ipc
    set_tstate x8, TS_INACTIVE, x1
    clear_fault x8
    frame_leave
    ret

/*
 * thread_discard_reply: spec: threads.discard_reply. Drop the reply right the thread x0 holds,
 * if any: the thread that awaited the reply stays BLOCKED_ON_REPLY with no replier. Clobbers
 * x1-x2.
 */
thread_discard_reply:
    ldr x1, [x0, #TCB_REPLY]
    cbz x1, thread_discard_reply_done
    str xzr, [x0, #TCB_REPLY]
    pa_to_va x1, x1
    set_tstate x1, TS_BLOCKED_ON_REPLY, x2
thread_discard_reply_done:
    ret

/*
 * thread_unbind: spec: threads.unbind. Undo the binding between the thread x0 and its bound
 * notification, if any. Clobbers x1.
 */
thread_unbind:
    ldr x1, [x0, #TCB_BOUND]
    cbz x1, thread_unbind_done
    str xzr, [x0, #TCB_BOUND]
    pa_to_va x1, x1
    str xzr, [x1, #NTFN_BOUND]
thread_unbind_done:
    ret

/*
 * thread_set_spaces: spec: the space part of tcb.configure. The thread at x0 gets the CSpace root
 * at physical address x1 (0: none) with radix x2, and the VSpace at physical address x3 (0: none)
 * with its TTBR0_EL1 value; it is on the spaces list exactly when it has one of them. Keeps x0.
 */
thread_set_spaces:
    frame_enter
    stp x1, x2, [sp, #-16]!
    str x3, [sp, #-16]!
    bl spaces_unlink
    ldr x3, [sp], #16
    ldp x1, x2, [sp], #16
    frame_leave
    str x1, [x0, #TCB_CSPACE]
    str x2, [x0, #TCB_CSPACE_RADIX]
    str x3, [x0, #TCB_VSPACE]
    mov x4, #0
    cbz x3, thread_set_spaces_ttbr
    vspace_ttbr x4, x3
thread_set_spaces_ttbr:
    str x4, [x0, #TCB_TTBR0]
    orr x1, x1, x3
    cbnz x1, spaces_link
    ret

/*
 * spaces_link: put the thread at x0, which is not on the spaces list, at its head. Keeps x0.
 */
spaces_link:
    adr x1, kstate
    ldr x2, [x1, #KSTATE_SPACES]
    va_to_pa x3, x0
    str x2, [x0, #TCB_SPACES_NEXT]
    str xzr, [x0, #TCB_SPACES_PREV]
    str x3, [x1, #KSTATE_SPACES]
    cbz x2, spaces_link_done
    pa_to_va x2, x2
    str x3, [x2, #TCB_SPACES_PREV]
spaces_link_done:
    ret

/*
 * spaces_unlink: take the thread at x0 off the spaces list, if it is on it. Keeps x0.
 */
spaces_unlink:
    adr x1, kstate
    va_to_pa x2, x0
    ldr x3, [x0, #TCB_SPACES_PREV]
    ldr x4, [x0, #TCB_SPACES_NEXT]
    cbnz x3, spaces_unlink_middle
    ldr x5, [x1, #KSTATE_SPACES]
    cmp x5, x2
    b.ne spaces_unlink_done
    str x4, [x1, #KSTATE_SPACES]
    b spaces_unlink_next
spaces_unlink_middle:
    pa_to_va x5, x3
    str x4, [x5, #TCB_SPACES_NEXT]
spaces_unlink_next:
    cbz x4, spaces_unlink_cleared
    pa_to_va x5, x4
    str x3, [x5, #TCB_SPACES_PREV]
spaces_unlink_cleared:
    str xzr, [x0, #TCB_SPACES_PREV]
    str xzr, [x0, #TCB_SPACES_NEXT]
spaces_unlink_done:
    ret

/*
 * spaces_in_use: spec: the tcb_refs part of delete.is_busy. x0 = 1 when a thread has the object
 * at physical address x0 (a CNode or a VSpace) as its CSpace root or VSpace, else 0.
 */
spaces_in_use:
    adr x1, kstate
    ldr x1, [x1, #KSTATE_SPACES]
spaces_in_use_next:
    cbz x1, spaces_in_use_none
    pa_to_va x1, x1
    ldr x2, [x1, #TCB_CSPACE]
    ldr x3, [x1, #TCB_VSPACE]
    cmp x2, x0
    ccmp x3, x0, #4, ne
    b.eq spaces_in_use_found
    ldr x1, [x1, #TCB_SPACES_NEXT]
    b spaces_in_use_next
spaces_in_use_found:
    mov x0, #1
    ret
spaces_in_use_none:
    mov x0, #0
    ret
