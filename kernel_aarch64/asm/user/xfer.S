/*
 * The XFER scenario: a capability travelling with a message, checked from user space.
 *
 * R (the root task) calls S (XFER_PRIO_S) on E0 once per row of xfer_rows, through a capability
 * with or without GRANT, offering the capability its x9 names when the message-info word asks for
 * one. S receives each Call into the receive slot its x10 names (its column of the row), checks
 * the badge and the message-info word (the extra-capability count says whether a capability
 * arrived) and replies, asking to send a capability back, which a reply never carries. R then
 * probes the receive slot (CNode Copy from it: OK when a capability arrived, FAILED_LOOKUP when
 * not). Rows: a grant; no GRANT right; no capability asked for; nothing named; an untyped
 * capability (never copied); an occupied receive slot; the null CPtr and a CPtr beyond the CNode
 * as receive slot; a mapped frame (its copy is unmapped) with an extra-capability count of 3
 * (still one). Last, R sends with a grant to E1 where nobody waits, blocks, and S receives the
 * capability from the queued sender, then wakes R. Each copy is a child of the capability sent: the final
 * state's slots and derivation tree are compared with the spec's at power-off. A failing check
 * halts the machine with its number (thread base + count in x28).
 */
.equ XFER_PRIO_S, 200
.equ XFER_CNODE, ROOT_SLOT_CNODE
.equ XFER_E0, ROOT_SLOT_FREE_FIRST
.equ XFER_E1, XFER_E0 + 1
.equ XFER_E0_G, XFER_E0 + 2
.equ XFER_E0_NG, XFER_E0 + 3
.equ XFER_E1_B, XFER_E0 + 4
.equ XFER_RECV, XFER_E0 + 10
.equ XFER_R_RECV, XFER_E0 + 20
.equ XFER_PROBE, XFER_E0 + 30
.equ XFER_EMPTY, XFER_E0 + 40
.equ XFER_OUTSIDE, 1 << ROOT_CNODE_RADIX
.equ XFER_ROW_WORDS, 3

.balign 8
boot_threads:
    .quad 1
    .quad xfer_s, xfer_stack_s, XFER_PRIO_S, BOOT_START_RUNNABLE

// offer: row \row: Call through \via with label \row, offering the capability \xfer (\caps extra
// capabilities asked for); the reply is empty and brings no capability.
.macro offer row, via, xfer, caps
    mov x9, #(\xfer)
    mov x10, #XFER_R_RECV
    sys SYS_CALL, \via, \row, 0, \caps
    expect x0, 0
    expect x1, 0
.endm

// probe: slot \slot holds a capability (\error = ERR_OK, the probe copy is deleted again) or
// not (ERR_FAILED_LOOKUP).
.macro probe slot, error
    mov x2, #XFER_PROBE
    mov x3, #XFER_CNODE
    mov x4, #(\slot)
    mov x5, #ALL_RIGHTS
    invoke XFER_CNODE, LABEL_CNODE_COPY, 4, \error
.if \error == ERR_OK
    mov x2, #XFER_PROBE
    invoke XFER_CNODE, LABEL_CNODE_DELETE, 1, ERR_OK
.endif
.endm

root_main:
    mov x28, #0
    retype_objects ROOT_SLOT_UNTYPED_FIRST, XFER_CNODE, OBJ_ENDPOINT, XFER_E0, 2
    mint XFER_CNODE, XFER_E0_G, XFER_E0, ALL_RIGHTS, 0x10
    mint XFER_CNODE, XFER_E0_NG, XFER_E0, RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT_REPLY, 0x20
    mint XFER_CNODE, XFER_E1_B, XFER_E1, RIGHT_WRITE, 0x77
    offer 0, XFER_E0_G, XFER_E1_B, 1
    probe XFER_RECV, ERR_OK
    offer 1, XFER_E0_NG, XFER_E1_B, 1
    probe XFER_RECV + 1, ERR_FAILED_LOOKUP
    offer 2, XFER_E0_G, XFER_E1_B, 0
    probe XFER_RECV + 2, ERR_FAILED_LOOKUP
    offer 3, XFER_E0_G, XFER_EMPTY, 1
    offer 4, XFER_E0_G, ROOT_SLOT_UNTYPED_FIRST, 1
    probe XFER_RECV + 2, ERR_FAILED_LOOKUP
    offer 5, XFER_E0_G, XFER_E1_B, 1
    offer 6, XFER_E0_G, XFER_E1_B, 1
    offer 7, XFER_E0_G, XFER_E1_B, 1
    offer 8, XFER_E0_G, ROOT_SLOT_IMAGE_FIRST, 3
    probe XFER_RECV + 3, ERR_OK
    probe XFER_R_RECV, ERR_FAILED_LOOKUP
    // A grant from a queued sender: nobody receives on E1 yet.
    mov x9, #XFER_E0_NG
    sys SYS_SEND, XFER_E1, 9, 0, 1
    sys SYS_RECV, XFER_E0
    expect x0, 0x10
    probe XFER_RECV + 4, ERR_OK
    mov x0, #0x0a
    bl u_putchar
    mov x0, #0
    b u_halt

// S: one receive slot, badge and extra-capability count per row.
xfer_s:
    mov x28, #100
    adr x19, xfer_rows
    mov x20, #0
    ldr x10, [x19]
    sys SYS_RECV, XFER_E0
xfer_s_check:
    ldp x12, x13, [x19, #8]
    add x28, x28, #1
    cmp x0, x12
    b.ne u_expect_failed
    lsl x12, x20, #(MSGINFO_LABEL_SHIFT)
    orr x12, x12, x13, lsl #(MSGINFO_EXTRA_CAPS_SHIFT)
    add x28, x28, #1
    cmp x1, x12
    b.ne u_expect_failed
    add x20, x20, #1
    add x19, x19, #(XFER_ROW_WORDS * 8)
    mov x9, #XFER_E1_B
    cmp x20, #9
    b.eq xfer_s_last
    ldr x10, [x19]
    sys SYS_REPLY_RECV, XFER_E0, 0, 0, 1
    b xfer_s_check
// The last reply, then the queued sender on E1.
xfer_s_last:
    sys SYS_REPLY, 0, 0, 0, 1
    mov x10, #(XFER_RECV + 4)
    sys SYS_RECV, XFER_E1
    expect x0, 0
    expect x1, (9 << MSGINFO_LABEL_SHIFT) | (1 << MSGINFO_EXTRA_CAPS_SHIFT)
    sys SYS_SEND, XFER_E0_G
    not_reached 0xfe

.balign 8
// Per row: S's receive slot, the badge S sees, the capabilities that arrive.
xfer_rows:
    .quad XFER_RECV, 0x10, 1
    .quad XFER_RECV + 1, 0x20, 0
    .quad XFER_RECV + 2, 0x10, 0
    .quad XFER_RECV + 2, 0x10, 0
    .quad XFER_RECV + 2, 0x10, 0
    .quad XFER_RECV, 0x10, 0
    .quad NULL_CPTR, 0x10, 0
    .quad XFER_OUTSIDE, 0x10, 0
    .quad XFER_RECV + 3, 0x10, 1

.balign 16
    .space 256
xfer_stack_s:
