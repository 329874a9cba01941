/*
 * The NTFN scenario: notifications and their binding to a thread, checked from user space.
 *
 *   R  the root task (ROOT_PRIORITY): signals, polls and waits (badges ORed into the word, a
 *      signal with badge 0, a Call on a notification gets an empty OK reply), binds threads with
 *      every error code of BindNotification and UnbindNotification, receives on an endpoint
 *      while bound (a signal ends the receive; a pending signal is taken instead of a message),
 *      and deletes: a bound notification's last capability unbinds its thread; an endpoint and a
 *      notification with queued threads cannot go (DELETE_FIRST).
 *   W1, W2  (NTFN_PRIO_W): wait on N0 in FIFO order and get one badge each; then W1 blocks
 *      receiving on E1 and W2 waiting on N3, where they stay.
 *   X1, X2, X3  (NTFN_PRIO_X): capability faults: a wait on a notification bound to another
 *      thread, a signal without WRITE, a wait without READ.
 *   F  (NTFN_PRIO_F) runs only when every other thread is blocked: it signals R's bound
 *      notification twice, then halts with status 0.
 *
 * A failing check halts the machine with its number (thread base + count in x28). The final
 * state (an ACTIVE notification, waiters, a bound thread blocked receiving) is compared with the
 * spec's at power-off.
 */
.equ NTFN_PRIO_W, 100
.equ NTFN_PRIO_X, 30
.equ NTFN_PRIO_F, 1

.equ NTFN_CNODE, ROOT_SLOT_CNODE
.equ NTFN_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ NTFN_N0, ROOT_SLOT_FREE_FIRST
.equ NTFN_N1, NTFN_N0 + 1
.equ NTFN_N2, NTFN_N0 + 2
.equ NTFN_N3, NTFN_N0 + 3
.equ NTFN_E0, NTFN_N0 + 4
.equ NTFN_E1, NTFN_N0 + 5
.equ NTFN_TX, NTFN_N0 + 6
.equ NTFN_N0_W5, NTFN_N0 + 10
.equ NTFN_N0_W30, NTFN_N0 + 11
.equ NTFN_N0_RO, NTFN_N0 + 12
.equ NTFN_N1_W, NTFN_N0 + 13
.equ NTFN_EMPTY, NTFN_N0 + 20

.balign 8
boot_threads:
    .quad 6
    .quad ntfn_w1, ntfn_stack_w1, NTFN_PRIO_W, BOOT_START_RUNNABLE
    .quad ntfn_w2, ntfn_stack_w2, NTFN_PRIO_W, BOOT_START_RUNNABLE
    .quad ntfn_x1, ntfn_stack_x, NTFN_PRIO_X, BOOT_START_RUNNABLE
    .quad ntfn_x2, ntfn_stack_x, NTFN_PRIO_X, BOOT_START_RUNNABLE
    .quad ntfn_x3, ntfn_stack_x, NTFN_PRIO_X, BOOT_START_RUNNABLE
    .quad ntfn_f, ntfn_stack_f, NTFN_PRIO_F, BOOT_START_RUNNABLE

// expect_signal: a signal (or poll) result: x0 = \badge, x1 = 0.
.macro expect_signal badge
    expect x0, \badge
    expect x1, 0
.endm

// bind: BindNotification of the TCB \tcb with the notification \ntfn; expect \error.
.macro bind tcb, ntfn, error
    mov x2, #(\ntfn)
    invoke \tcb, LABEL_TCB_BIND_NOTIFICATION, 1, \error
.endm

// unbind: UnbindNotification of the TCB \tcb; expect \error.
.macro unbind tcb, error
    invoke \tcb, LABEL_TCB_UNBIND_NOTIFICATION, 0, \error
.endm

// delete: CNode Delete of slot \slot; expect \error.
.macro delete slot, error
    mov x2, #(\slot)
    invoke NTFN_CNODE, LABEL_CNODE_DELETE, 1, \error
.endm

root_main:
    mov x28, #0
    retype_objects NTFN_UNTYPED, NTFN_CNODE, OBJ_NOTIFICATION, NTFN_N0, 4
    retype_objects NTFN_UNTYPED, NTFN_CNODE, OBJ_ENDPOINT, NTFN_E0, 2
    retype_objects NTFN_UNTYPED, NTFN_CNODE, OBJ_TCB, NTFN_TX, 1
    mint NTFN_CNODE, NTFN_N0_W5, NTFN_N0, RIGHT_WRITE, 0x5
    mint NTFN_CNODE, NTFN_N0_W30, NTFN_N0, RIGHT_WRITE, 0x30
    mint NTFN_CNODE, NTFN_N0_RO, NTFN_N0, RIGHT_READ, 0
    mint NTFN_CNODE, NTFN_N1_W, NTFN_N1, RIGHT_WRITE, 0x100
    // Poll of an IDLE notification: 0, 0.
    mov x1, #0x77
    sys SYS_NB_RECV, NTFN_N0
    expect_signal 0
    // Signal (Send), signal (NBSend): badges ORed; a Call gets an empty OK reply; Poll takes it.
    sys SYS_SEND, NTFN_N0_W5
    expect x0, NTFN_N0_W5
    sys SYS_NB_SEND, NTFN_N0_W30
    expect x0, NTFN_N0_W30
    ldr x2, =0xabc
    sys SYS_CALL, NTFN_N0_W5, 3, 1
    expect x0, ERR_OK
    expect x1, 0
    expect x2, 0xabc
    sys SYS_NB_RECV, NTFN_N0
    expect_signal 0x35
    // A signal with badge 0 still makes the notification ACTIVE: a Wait returns at once.
    sys SYS_SEND, NTFN_N0
    mov x1, #0x77
    sys SYS_RECV, NTFN_N0
    expect_signal 0
    // BindNotification and UnbindNotification: every check, in the spec's order.
    bind ROOT_SLOT_TCB, NTFN_EMPTY, ERR_FAILED_LOOKUP
    bind ROOT_SLOT_TCB, NTFN_E0, ERR_INVALID_CAPABILITY
    bind ROOT_SLOT_TCB, NTFN_N0_W5, ERR_INVALID_CAPABILITY
    invoke ROOT_SLOT_TCB, LABEL_TCB_BIND_NOTIFICATION, 0, ERR_TRUNCATED_MESSAGE
    unbind ROOT_SLOT_TCB, ERR_ILLEGAL_OPERATION
    bind NTFN_TX, NTFN_N2, ERR_OK
    bind NTFN_TX, NTFN_N3, ERR_ILLEGAL_OPERATION
    bind ROOT_SLOT_TCB, NTFN_N2, ERR_ILLEGAL_OPERATION
    unbind NTFN_TX, ERR_OK
    unbind NTFN_TX, ERR_ILLEGAL_OPERATION
    bind ROOT_SLOT_TCB, NTFN_N1, ERR_OK
    // R receives on E0 while bound to N1: W1 and W2 queue on N0, X1-X3 fault, F signals N1,
    // which ends R's receive.
    mov x1, #0x77
    sys SYS_RECV, NTFN_E0
    expect_signal 0x100
    // A notification with waiters cannot be bound; two signals reach the waiters in order.
    bind NTFN_TX, NTFN_N0, ERR_ILLEGAL_OPERATION
    sys SYS_SEND, NTFN_N0_W5
    sys SYS_SEND, NTFN_N0_W30
    mov x0, #0x2e
    bl u_putchar
    // W1 and W2 run and block again (on E1, on N3); F signals N1 once more.
    sys SYS_RECV, NTFN_E0
    expect_signal 0x100
    delete NTFN_E1, ERR_DELETE_FIRST
    delete NTFN_N3, ERR_DELETE_FIRST
    bind NTFN_TX, NTFN_N3, ERR_ILLEGAL_OPERATION
    // A signal while R runs is pending; R's receive takes it instead of a message.
    sys SYS_SEND, NTFN_N1_W
    sys SYS_NB_RECV, NTFN_E0
    expect_signal 0x100
    // Deleting a bound notification's last capability unbinds its thread.
    bind NTFN_TX, NTFN_N2, ERR_OK
    delete NTFN_N2, ERR_OK
    unbind NTFN_TX, ERR_ILLEGAL_OPERATION
    // The end: N0 stays ACTIVE; R blocks receiving while bound; F halts.
    sys SYS_SEND, NTFN_N0_W5
    mov x0, #0x0a
    bl u_putchar
    sys SYS_RECV, NTFN_E0
    not_reached 0xfe

ntfn_w1:
    mov x28, #60
    mov x1, #0x77
    sys SYS_RECV, NTFN_N0
    expect_signal 0x5
    sys SYS_RECV, NTFN_E1
    not_reached 0xfd

ntfn_w2:
    mov x28, #70
    mov x1, #0x77
    sys SYS_RECV, NTFN_N0
    expect_signal 0x30
    sys SYS_RECV, NTFN_N3
    not_reached 0xfc

// X1 waits on R's bound notification, X2 signals without WRITE, X3 waits without READ.
ntfn_x1:
    sys SYS_RECV, NTFN_N1
    not_reached 0xfb

ntfn_x2:
    sys SYS_SEND, NTFN_N0_RO
    not_reached 0xfa

ntfn_x3:
    sys SYS_RECV, NTFN_N0_W5
    not_reached 0xf9

ntfn_f:
    sys SYS_SEND, NTFN_N1_W
    sys SYS_SEND, NTFN_N1_W
    mov x0, #0
    b u_halt

.balign 16
    .space 256
ntfn_stack_w1:
    .space 256
ntfn_stack_w2:
    .space 256
ntfn_stack_x:
    .space 256
ntfn_stack_f:
