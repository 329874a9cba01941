/*
 * The FASTPATH scenario: Calls and ReplyRecvs that the kernel's fast paths take, and ones that
 * fall back to the slow path for each reason the fast paths check (mlk.refinement.fastpath), all
 * with results checked from user space and by the refinement checker.
 *
 *   R   the root task (ROOT_PRIORITY), a server bound to the notification N: echoes each Call
 *       (label + 1, MR0 + 1) with ReplyRecv. Its first ReplyRecv has no caller; some have a ready
 *       client of the caller's priority; once it waits on N2 holding a reply, so that a signal on
 *       N is pending at its next ReplyRecv; once a second sender is queued on EP2.
 *   C1, C2  clients at FP_PRIO_C (one priority): Calls R waits for (fast), a Call asking for a
 *       capability transfer, a Call nobody waits for, a Call between the two of them (fast both
 *       ways), a Call to C3 while C1 is ready.
 *   C3  (FP_PRIO_C3) serves C2's last Call, then replies with ReplyRecv through a capability
 *       without READ: the reply goes out, the receive is a capability fault.
 *   C4  (FP_PRIO_C4) calls without a reply right: INACTIVE once R received it.
 *   C5  (FP_PRIO_C5) calls through a capability without WRITE: a capability fault.
 *   F   (FP_PRIO_F) signals N2 once everything else is blocked, then halts with status 0.
 *
 * A failing check halts the machine with its number (thread base + count in x28).
 */
.equ FP_PRIO_C, 100
.equ FP_PRIO_C3, 50
.equ FP_PRIO_C4, 40
.equ FP_PRIO_C5, 30
.equ FP_PRIO_F, 1
.equ FP_SIGNAL, 0x40

.equ FP_CNODE, ROOT_SLOT_CNODE
.equ FP_EP, ROOT_SLOT_FREE_FIRST
.equ FP_EP2, FP_EP + 1
.equ FP_EP3, FP_EP + 2
.equ FP_N, FP_EP + 3
.equ FP_N2, FP_EP + 4
.equ FP_EP_C, FP_EP + 10
.equ FP_EP_G, FP_EP + 11
.equ FP_EP2_C, FP_EP + 12
.equ FP_EP2_W, FP_EP + 13
.equ FP_EP3_W, FP_EP + 14
.equ FP_EP_RO, FP_EP + 15
.equ FP_N_W, FP_EP + 16
.equ FP_EMPTY, FP_EP + 20

.balign 8
boot_threads:
    .quad 6
    .quad fp_c1, fp_stack_c1, FP_PRIO_C, BOOT_START_RUNNABLE
    .quad fp_c2, fp_stack_c2, FP_PRIO_C, BOOT_START_RUNNABLE
    .quad fp_c3, fp_stack_c3, FP_PRIO_C3, BOOT_START_RUNNABLE
    .quad fp_c4, fp_stack_c4, FP_PRIO_C4, BOOT_START_RUNNABLE
    .quad fp_c5, fp_stack_c5, FP_PRIO_C5, BOOT_START_RUNNABLE
    .quad fp_f, fp_stack_f, FP_PRIO_F, BOOT_START_RUNNABLE

// call: a client's Call through \cptr with label \label and MR0 \mr0 (\caps extra capabilities,
// x9 = the empty slot); the echo must come back: label + 1, MR0 + 1, no capability.
.macro call cptr, label, mr0, caps=0
    mov x2, #(\mr0)
    mov x9, #FP_EMPTY
    sys SYS_CALL, \cptr, \label, 1, \caps
    expect x1, (((\label) + 1) << MSGINFO_LABEL_SHIFT) | 1
    expect x2, (\mr0) + 1
.endm

// echo: R's answer to the message in its registers (label + 1, MR0 + 1), then ReplyRecv on \ep.
.macro echo ep
    add x2, x2, #1
    ubfx x1, x1, #MSGINFO_LABEL_SHIFT, #MSGINFO_LABEL_WIDTH
    add x1, x1, #1
    lsl x1, x1, #(MSGINFO_LABEL_SHIFT)
    orr x1, x1, #1
    mov x0, #(\ep)
    mov x8, #SYS_REPLY_RECV
    svc #0
.endm

root_main:
    mov x28, #0
    retype_objects ROOT_SLOT_UNTYPED_FIRST, FP_CNODE, OBJ_ENDPOINT, FP_EP, 3
    retype_objects ROOT_SLOT_UNTYPED_FIRST, FP_CNODE, OBJ_NOTIFICATION, FP_N, 2
    mint FP_CNODE, FP_EP_C, FP_EP, RIGHT_WRITE | RIGHT_GRANT_REPLY, 1
    mint FP_CNODE, FP_EP_G, FP_EP, ALL_RIGHTS, 2
    mint FP_CNODE, FP_EP2_C, FP_EP2, RIGHT_WRITE | RIGHT_GRANT_REPLY, 4
    mint FP_CNODE, FP_EP2_W, FP_EP2, RIGHT_WRITE, 3
    mint FP_CNODE, FP_EP3_W, FP_EP3, RIGHT_WRITE, 0
    mint FP_CNODE, FP_EP_RO, FP_EP, RIGHT_READ, 0
    mint FP_CNODE, FP_N_W, FP_N, RIGHT_WRITE, FP_SIGNAL
    mov x2, #FP_N
    invoke ROOT_SLOT_TCB, LABEL_TCB_BIND_NOTIFICATION, 1
    // A ReplyRecv with no caller; then two Calls answered while the other client is ready.
    sys SYS_REPLY_RECV, FP_EP
    echo FP_EP
    echo FP_EP
    // C1's third Call: R waits on N2 holding its reply; meanwhile N is signalled, C2 and C4
    // queue on EP2, C3 waits on EP3, C5 faults; F signals N2.
    sys SYS_RECV, FP_N2
    ldr x1, =((0x70 << MSGINFO_LABEL_SHIFT) | 1)
    mov x2, #0x70
    echo FP_EP
    expect x0, FP_SIGNAL
    expect x1, 0
    // EP2: C2's Call, answered while C4 is queued behind it; C4's Call has no reply right.
    sys SYS_RECV, FP_EP2
    echo FP_EP2
    expect x0, 3
    // EP: C1's Call asking for a capability (none comes), then C2's and C1's Calls.
    sys SYS_RECV, FP_EP
fp_serve:
    echo FP_EP
    b fp_serve

fp_c1:
    mov x28, #40
    call FP_EP_C, 1, 1
    call FP_EP_C, 0x70, 0x70
    call FP_EP_G, 30, 30, 1
    // C1 waits on EP2 for C2's Call, then answers it with ReplyRecv (both fast).
    sys SYS_RECV, FP_EP2
    expect x0, 4
    echo FP_EP2
    expect x0, 4
    expect x1, 1
    expect x2, 0x99
    sys SYS_RECV, FP_EP2
    not_reached 0xfe

fp_c2:
    mov x28, #80
    call FP_EP_C, 10, 10
    // N gets a signal while R waits on N2; then a Call nobody waits for.
    sys SYS_SEND, FP_N_W
    call FP_EP2_C, 20, 20
    call FP_EP_C, 40, 40
    call FP_EP_G, 50, 50
    call FP_EP2_C, 60, 60
    // C1 becomes ready (a Send it waits for); a Call to C3, of lower priority, while it is.
    mov x2, #0x99
    sys SYS_SEND, FP_EP2_C, 0, 1
    call FP_EP3, 70, 70
    sys SYS_RECV, FP_EP3
    not_reached 0xfd

fp_c3:
    mov x28, #120
    sys SYS_RECV, FP_EP3
    expect x0, 0
    // The reply goes out; the receive through a capability without READ is a fault.
    add x2, x2, #1
    ldr x1, =((71 << MSGINFO_LABEL_SHIFT) | 1)
    mov x0, #FP_EP3_W
    mov x8, #SYS_REPLY_RECV
    svc #0
    not_reached 0xfc

fp_c4:
    mov x2, #0xC4
    sys SYS_CALL, FP_EP2_W, 0x44, 1
    not_reached 0xfb

fp_c5:
    sys SYS_CALL, FP_EP_RO, 0x55, 0
    not_reached 0xfa

fp_f:
    sys SYS_SEND, FP_N2
    mov x0, #0
    b u_halt

.balign 16
    .space 256
fp_stack_c1:
    .space 256
fp_stack_c2:
    .space 256
fp_stack_c3:
    .space 256
fp_stack_c4:
    .space 256
fp_stack_c5:
    .space 256
fp_stack_f:
