/*
 * The FAULTIPC scenario: faults delivered as messages on a thread's fault endpoint, checked from
 * user space; the root task R (ROOT_PRIORITY) is the fault handler.
 *
 * R makes three threads from untyped memory, each in R's CSpace and VSpace:
 *   T   (FI_PRIO_T), fault endpoint FI_EP_F (badge FI_BADGE, WRITE and GRANT_REPLY): takes a
 *       capability fault (Call on an empty slot), an unknown system call, a capability fault of
 *       Recv and of ReplyRecv, a data abort, and two undefined instructions. R checks each fault
 *       message (badge; label = the kind, three registers: the kind's two words and the PC) and
 *       answers with label 0: T restarts from its saved PC (after the svc; the load again, after
 *       R pointed its x10 at a readable word with WriteRegisters; past the first undefined
 *       instruction, after R moved its PC). The last undefined instruction gets a Reply with
 *       label 1: T stops.
 *       T's first fault comes while R is not receiving: it waits queued as a sender.
 *   T2  (FI_PRIO_T2), fault endpoint capability without GRANT or GRANT_REPLY: its fault stops it.
 *   T3  (FI_PRIO_T3), resumed last: its fault reaches R, which keeps the reply and waits; T3 stays
 *       awaiting the reply with its fault pending in the final state.
 * F (FI_PRIO_F, a boot thread) signals FI_N once everything else is blocked, then halts.
 *
 * R mostly replies with ReplyRecv: the fast path must leave a caller with a fault to the slow path. A
 * failing check halts the machine with its number (thread base + count in x28).
 */
.equ FI_PRIO_T, 100
.equ FI_PRIO_T2, 90
.equ FI_PRIO_T3, 80
.equ FI_PRIO_F, 1
.equ FI_BADGE, 0xF
.equ FI_BAD_SYSNO, 99
.equ FI_UNMAPPED, 0x10000000

.equ FI_CNODE, ROOT_SLOT_CNODE
.equ FI_T, ROOT_SLOT_FREE_FIRST
.equ FI_T2, FI_T + 1
.equ FI_T3, FI_T + 2
.equ FI_EP_F, FI_T + 3
.equ FI_N, FI_T + 4
.equ FI_EP_B, FI_T + 10
.equ FI_EP_W, FI_T + 11
.equ FI_N_W, FI_T + 12
.equ FI_EMPTY, FI_T + 20

.balign 8
boot_threads:
    .quad 1
    .quad fi_f, fi_stack_f, FI_PRIO_F, BOOT_START_RUNNABLE

// expect_label: \reg must hold the address of the image label \label.
.macro expect_label reg, label
    add x28, x28, #1
    adr x11, \label
    cmp \reg, x11
    b.ne u_expect_failed
.endm

// thread: the TCB \tcb gets fault endpoint CPtr \ep, R's spaces, SP \stack, PC \entry and
// priority \prio (not resumed yet).
.macro thread tcb, ep, stack, entry, prio
    mov x2, #(\ep)
    mov x3, #FI_CNODE
    mov x4, #ROOT_SLOT_VSPACE
    invoke \tcb, LABEL_TCB_CONFIGURE, 3
    mov x2, #CTXREG_SP
    mov x3, #2
    adr x4, \stack
    adr x5, \entry
    invoke \tcb, LABEL_TCB_WRITE_REGISTERS, 4
    mov x2, #(\prio)
    invoke \tcb, LABEL_TCB_SET_PRIORITY, 1
.endm

// expect_fault: the message R received is a fault of kind \kind from T (badge FI_BADGE).
.macro expect_fault kind
    expect x0, FI_BADGE
    expect x1, ((\kind) << MSGINFO_LABEL_SHIFT) | (FAULT_MSG_LENGTH << MSGINFO_LENGTH_SHIFT)
.endm

// answer: R's reply to the fault with label \label (0: restart), then the next fault.
.macro answer label
    sys SYS_REPLY_RECV, FI_EP_F, \label, 0
.endm

// write_reg: TCB WriteRegisters of T's register \reg with the value in x4.
.macro write_reg reg
    mov x2, #(\reg)
    mov x3, #1
    invoke FI_T, LABEL_TCB_WRITE_REGISTERS, 3
.endm

root_main:
    mov x28, #0
    retype_objects ROOT_SLOT_UNTYPED_FIRST, FI_CNODE, OBJ_TCB, FI_T, 3
    retype_objects ROOT_SLOT_UNTYPED_FIRST, FI_CNODE, OBJ_ENDPOINT, FI_EP_F, 1
    retype_objects ROOT_SLOT_UNTYPED_FIRST, FI_CNODE, OBJ_NOTIFICATION, FI_N, 1
    mint FI_CNODE, FI_EP_B, FI_EP_F, RIGHT_WRITE | RIGHT_GRANT_REPLY, FI_BADGE
    mint FI_CNODE, FI_EP_W, FI_EP_F, RIGHT_WRITE, FI_BADGE
    mint FI_CNODE, FI_N_W, FI_N, RIGHT_WRITE, 0
    thread FI_T, FI_EP_B, fi_stack_t, fi_t, FI_PRIO_T
    thread FI_T2, FI_EP_W, fi_stack_t2, fi_t2, FI_PRIO_T2
    thread FI_T3, FI_EP_B, fi_stack_t3, fi_t3, FI_PRIO_T3
    invoke FI_T, LABEL_TCB_RESUME, 0
    invoke FI_T2, LABEL_TCB_RESUME, 0
    // R waits: T's first fault queues on FI_EP_F, T2's fault stops it; F wakes R.
    sys SYS_RECV, FI_N
    sys SYS_RECV, FI_EP_F
    expect_fault FAULT_CAP_FAULT
    expect x2, FI_EMPTY
    expect x3, SYS_CALL
    expect_label x4, fi_t_call
    answer 0
    expect_fault FAULT_UNKNOWN_SYSCALL
    expect x2, FI_BAD_SYSNO
    expect x3, 0
    expect_label x4, fi_t_unknown
    answer 0
    expect_fault FAULT_CAP_FAULT
    expect x2, FI_N_W
    expect x3, SYS_RECV
    expect_label x4, fi_t_recv
    answer 0
    expect_fault FAULT_CAP_FAULT
    expect x2, FI_EMPTY
    expect x3, SYS_REPLY_RECV
    expect_label x4, fi_t_reply_recv
    answer 0
    // The data abort: ESR of a lower-EL data abort, FAR, the load's PC; restart it with a
    // readable x10.
    expect_fault FAULT_DATA_ABORT
    lsr x9, x2, #(ESR_EC_SHIFT)
    expect x9, EC_DABT_LOWER
    expect x3, FI_UNMAPPED
    expect_label x4, fi_t_load
    adr x4, fi_word
    write_reg CTXREG_X10
    answer 0
    // The first undefined instruction: T resumes after it.
    expect_fault FAULT_UNDEFINED_INSTRUCTION
    expect x3, 0
    expect_label x4, fi_t_undef
    add x4, x4, #4
    write_reg CTXREG_PC
    answer 0
    // The second: a plain Reply with label 1 stops T.
    expect_fault FAULT_UNDEFINED_INSTRUCTION
    expect_label x4, fi_t_stop
    sys SYS_REPLY, 0, 1, 0
    // Last, T3's fault: R keeps the reply and waits; F halts.
    invoke FI_T3, LABEL_TCB_RESUME, 0
    sys SYS_RECV, FI_EP_F
    expect_fault FAULT_CAP_FAULT
    expect x2, FI_EMPTY
    expect x3, SYS_SEND
    expect_label x4, fi_t3_send
    mov x0, #0x0a
    bl u_putchar
    sys SYS_RECV, FI_N
    not_reached 0xfe

// T: each fault is answered with a restart; its registers are as they were.
fi_t:
    mov x28, #60
    sys SYS_CALL, FI_EMPTY, 0x12, 1
fi_t_call:
    expect x0, FI_EMPTY
    expect x1, (0x12 << MSGINFO_LABEL_SHIFT) | 1
    mov x8, #FI_BAD_SYSNO
    svc #0
fi_t_unknown:
    expect x8, FI_BAD_SYSNO
    sys SYS_RECV, FI_N_W
fi_t_recv:
    expect x0, FI_N_W
    sys SYS_REPLY_RECV, FI_EMPTY
fi_t_reply_recv:
    ldr x10, =FI_UNMAPPED
fi_t_load:
    ldr x1, [x10]
    expect x1, 0x600d
    add x28, x28, #1
    adr x9, fi_word
    cmp x10, x9
    b.ne u_expect_failed
fi_t_undef:
    .word 0x00000000    // UDF #0: R moves the PC past it
fi_t_stop:
    .word 0x00000000    // UDF #0: R stops T
    not_reached 0xfd

// T2: its fault endpoint capability has neither GRANT nor GRANT_REPLY.
fi_t2:
    .word 0x00000000    // UDF #0
    not_reached 0xfc

// T3: a capability fault, answered by nobody.
fi_t3:
    sys SYS_SEND, FI_EMPTY
fi_t3_send:
    not_reached 0xfb

fi_f:
    sys SYS_SEND, FI_N_W
    mov x0, #0
    b u_halt

.balign 8
fi_word:
    .quad 0x600d

.balign 16
    .space 256
fi_stack_t:
    .space 256
fi_stack_t2:
    .space 256
fi_stack_t3:
    .space 256
fi_stack_f:
