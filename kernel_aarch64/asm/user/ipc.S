/*
 * The IPC scenario: message passing on endpoints, checked from user space. Threads at distinct
 * priorities take turns, each running until it blocks; every received badge, message-info word
 * and message register is compared with the spec's.
 *
 *   R  the root task (ROOT_PRIORITY): creates the endpoints and badged capabilities, then is the
 *      receiver and caller of every phase below; it waits on the notification IPC_CTL between
 *      phases.
 *   S  a server (IPC_PRIO_S): a Send to R, a Recv of R's Call and a Reply, then an echo server on
 *      IPC_EP3 with ReplyRecv, until a message with label IPC_LABEL_END makes it block sending
 *      while it holds the reply right to R's Call.
 *   A, B  (IPC_PRIO_AB): FIFO order: both block sending on IPC_EP5, then receiving on IPC_EP6,
 *      twice; the second time they stay queued.
 *   C  (IPC_PRIO_C) calls through a capability without GRANT or GRANT_REPLY: INACTIVE once R
 *      received it.
 *   D  (IPC_PRIO_D) calls R, which receives and then receives again: the reply right is
 *      discarded and D stays BLOCKED_ON_REPLY with no replier.
 *   E  (IPC_PRIO_E) sends through a capability without WRITE: a capability fault stops it.
 *   F  (IPC_PRIO_F, below all) runs only when every other thread is blocked: it wakes R with a
 *      signal on IPC_CTL, IPC_PHASES times, then halts with status 0 (a signal never blocks, so
 *      a kernel that blocks a thread where it must not still comes to the halt).
 *
 * Covered: Send, NBSend (dropped without a receiver), Recv, NBRecv (empty, and with a queued
 * sender), Call to a waiting and to an absent receiver, Reply (also with nothing to reply to),
 * ReplyRecv, badges, label and length (cut to MSG_REGS), untouched registers beyond the
 * message, FIFO queues of senders and of receivers, a Call without reply rights, a discarded
 * reply right, and a capability fault of Send. The final state (threads queued on endpoints, a
 * held reply right, a reply awaited from nobody) is compared with the spec's at power-off.
 * A failing check halts the machine with its number (thread base + count in x28).
 */
.equ IPC_PRIO_S, 200
.equ IPC_PRIO_AB, 100
.equ IPC_PRIO_C, 90
.equ IPC_PRIO_D, 80
.equ IPC_PRIO_E, 70
.equ IPC_PRIO_F, 1
.equ IPC_PHASES, 3
.equ IPC_LABEL_END, 0x99

.equ IPC_CNODE, ROOT_SLOT_CNODE
.equ IPC_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ IPC_EP0, ROOT_SLOT_FREE_FIRST
.equ IPC_EP1, IPC_EP0 + 1
.equ IPC_EP2, IPC_EP0 + 2
.equ IPC_EP3, IPC_EP0 + 3
.equ IPC_EP4, IPC_EP0 + 4
.equ IPC_EP5, IPC_EP0 + 5
.equ IPC_EP6, IPC_EP0 + 6
.equ IPC_EP7, IPC_EP0 + 7
.equ IPC_EP0_B1, IPC_EP0 + 10
.equ IPC_EP5_A, IPC_EP0 + 11
.equ IPC_EP5_B, IPC_EP0 + 12
.equ IPC_EP6_61, IPC_EP0 + 13
.equ IPC_EP6_62, IPC_EP0 + 14
.equ IPC_EP7_W, IPC_EP0 + 15
.equ IPC_EP2_D, IPC_EP0 + 16
.equ IPC_EP0_RO, IPC_EP0 + 17
.equ IPC_EP1_S, IPC_EP0 + 18
.equ IPC_CTL, IPC_EP0 + 19

.balign 8
boot_threads:
    .quad 7
    .quad ipc_s, ipc_stack_s, IPC_PRIO_S, BOOT_START_RUNNABLE
    .quad ipc_a, ipc_stack_a, IPC_PRIO_AB, BOOT_START_RUNNABLE
    .quad ipc_b, ipc_stack_b, IPC_PRIO_AB, BOOT_START_RUNNABLE
    .quad ipc_c, ipc_stack_c, IPC_PRIO_C, BOOT_START_RUNNABLE
    .quad ipc_d, ipc_stack_d, IPC_PRIO_D, BOOT_START_RUNNABLE
    .quad ipc_e, ipc_stack_e, IPC_PRIO_E, BOOT_START_RUNNABLE
    .quad ipc_f, ipc_stack_f, IPC_PRIO_F, BOOT_START_RUNNABLE

// expect_info: x1 must be the message-info word with label \label and length \length.
.macro expect_info label, length
    expect x1, (((\label) << MSGINFO_LABEL_SHIFT) | ((\length) << MSGINFO_LENGTH_SHIFT))
.endm

root_main:
    mov x28, #0
    // Reply with no thread awaiting it: nothing happens, no register changes.
    mov x0, #0x77
    ldr x1, =0x5555
    mov x8, #SYS_REPLY
    svc #0
    expect x0, 0x77
    expect x1, 0x5555
    // Eight endpoints, badged and restricted capabilities to them, and the notification IPC_CTL.
    retype_objects IPC_UNTYPED, IPC_CNODE, OBJ_ENDPOINT, IPC_EP0, 8
    retype_objects IPC_UNTYPED, IPC_CNODE, OBJ_NOTIFICATION, IPC_CTL, 1
    mint IPC_CNODE, IPC_EP0_B1, IPC_EP0, ALL_RIGHTS, 0xB1
    mint IPC_CNODE, IPC_EP5_A, IPC_EP5, RIGHT_WRITE, 0xA
    mint IPC_CNODE, IPC_EP5_B, IPC_EP5, RIGHT_WRITE, 0xB
    mint IPC_CNODE, IPC_EP6_61, IPC_EP6, RIGHT_WRITE, 0x61
    mint IPC_CNODE, IPC_EP6_62, IPC_EP6, RIGHT_WRITE, 0x62
    mint IPC_CNODE, IPC_EP7_W, IPC_EP7, RIGHT_WRITE, 0x70
    mint IPC_CNODE, IPC_EP2_D, IPC_EP2, RIGHT_WRITE | RIGHT_GRANT_REPLY, 0xD
    mint IPC_CNODE, IPC_EP0_RO, IPC_EP0, RIGHT_READ, 0
    mint IPC_CNODE, IPC_EP1_S, IPC_EP1, ALL_RIGHTS, 0x5

    // Phase 1: R waits; S sends 7 registers' worth (cut to MSG_REGS) with badge 0xB1.
    sys SYS_RECV, IPC_EP0
    expect x0, 0xB1
    expect_info 0x123, MSG_REGS
    expect x2, 0x101
    expect x3, 0x102
    expect x4, 0x103
    expect x5, 0x104
    expect x6, 0x105
    expect x7, 0x106
    // Phase 2: R calls S, which is not receiving yet; S replies one register (x3 stays).
    mov x2, #0xA
    mov x3, #0xB
    sys SYS_CALL, IPC_EP1, 7, 2
    expect x0, 0
    expect_info 0x55, 1
    expect x2, 0xC
    expect x3, 0xB
    // Phase 3: NBSend without a receiver is dropped; NBRecv without a sender gets 0, 0.
    mov x2, #0x1234
    sys SYS_NB_SEND, IPC_EP2, 1, 1
    expect x0, IPC_EP2
    expect_info 1, 1
    mov x0, #IPC_EP2
    ldr x1, =0x4321
    mov x8, #SYS_NB_RECV
    svc #0
    expect x0, 0
    expect x1, 0
    // Phase 4: two Calls to the echo server: one it receives later, one it waits for.
    mov x2, #1
    sys SYS_CALL, IPC_EP3, 0x30, 1
    expect x0, 0
    expect_info 0x31, 1
    expect x2, 2
    mov x2, #5
    sys SYS_CALL, IPC_EP3, 0x40, 1
    expect_info 0x41, 1
    expect x2, 6
    mov x0, #0x52
    bl u_putchar
    // Phase 5: A and B queue on EP5, C on EP7, D on EP2, E faults; F wakes R.
    sys SYS_RECV, IPC_CTL
    sys SYS_NB_RECV, IPC_EP5
    expect x0, 0xA
    expect_info 0x5A, 1
    expect x2, 0xAA
    sys SYS_RECV, IPC_EP5
    expect x0, 0xB
    expect_info 0x5B, 1
    expect x2, 0xBB
    // Phase 6: A and B queue receiving on EP6; R sends two badges, which arrive in order.
    sys SYS_RECV, IPC_CTL
    mov x2, #0x61
    sys SYS_SEND, IPC_EP6_61, 0x66, 1
    mov x2, #0x62
    sys SYS_SEND, IPC_EP6_62, 0x66, 1
    // Phase 7: C's Call without reply rights; D's Call, whose reply right R's next receive on
    // an endpoint (an empty poll) discards.
    sys SYS_RECV, IPC_EP7
    expect x0, 0x70
    expect_info 0x77, 1
    expect x2, 0xC7
    sys SYS_RECV, IPC_EP2
    expect x0, 0xD
    expect_info 0x22, 1
    expect x2, 0xD0
    sys SYS_NB_RECV, IPC_EP4
    expect x0, 0
    expect x1, 0
    sys SYS_RECV, IPC_CTL
    // The end: a Call that S receives and never answers.
    mov x0, #0x45
    bl u_putchar
    mov x0, #0x0a
    bl u_putchar
    sys SYS_CALL, IPC_EP3, IPC_LABEL_END, 0
    not_reached 0xfe

ipc_s:
    mov x28, #40
    mov x2, #0x101
    mov x3, #0x102
    mov x4, #0x103
    mov x5, #0x104
    mov x6, #0x105
    mov x7, #0x106
    sys SYS_SEND, IPC_EP0_B1, 0x123, MSG_REGS + 1
    sys SYS_RECV, IPC_EP1
    expect x0, 0
    expect_info 7, 2
    expect x2, 0xA
    expect x3, 0xB
    mov x2, #0xC
    sys SYS_REPLY, 0, 0x55, 1
    sys SYS_RECV, IPC_EP3
// The echo server: label + 1, MR0 + 1.
ipc_s_serve:
    expect x0, 0
    ubfx x9, x1, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    cmp x9, #IPC_LABEL_END
    b.eq ipc_s_end
    add x2, x2, #1
    add x1, x1, #(1 << MSGINFO_LABEL_SHIFT)
    mov x0, #IPC_EP3
    mov x8, #SYS_REPLY_RECV
    svc #0
    b ipc_s_serve
// S blocks sending, holding the reply right to R's last Call.
ipc_s_end:
    sys SYS_SEND, IPC_EP1_S, 0x5, 0
    not_reached 0xfd

ipc_a:
    mov x28, #60
    mov x2, #0xAA
    sys SYS_SEND, IPC_EP5_A, 0x5A, 1
    sys SYS_RECV, IPC_EP6
    expect x0, 0x61
    expect_info 0x66, 1
    expect x2, 0x61
    sys SYS_RECV, IPC_EP6
    not_reached 0xfc

ipc_b:
    mov x28, #70
    mov x2, #0xBB
    sys SYS_SEND, IPC_EP5_B, 0x5B, 1
    sys SYS_RECV, IPC_EP6
    expect x0, 0x62
    expect_info 0x66, 1
    expect x2, 0x62
    sys SYS_RECV, IPC_EP6
    not_reached 0xfb

ipc_c:
    mov x2, #0xC7
    sys SYS_CALL, IPC_EP7_W, 0x77, 1
    not_reached 0xfa

ipc_d:
    mov x2, #0xD0
    sys SYS_CALL, IPC_EP2_D, 0x22, 1
    not_reached 0xf9

ipc_e:
    sys SYS_SEND, IPC_EP0_RO
    not_reached 0xf8

ipc_f:
    mov x19, #IPC_PHASES
ipc_f_wake:
    sys SYS_SEND, IPC_CTL
    subs x19, x19, #1
    b.ne ipc_f_wake
    mov x0, #0
    b u_halt

.balign 16
// One small stack per thread (none of them uses more than ulib's frames).
    .space 256
ipc_stack_s:
    .space 256
ipc_stack_a:
    .space 256
ipc_stack_b:
    .space 256
ipc_stack_c:
    .space 256
ipc_stack_d:
    .space 256
ipc_stack_e:
    .space 256
ipc_stack_f:
