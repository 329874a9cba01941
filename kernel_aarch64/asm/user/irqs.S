/*
 * The IRQS scenario: interrupt lines, IRQ control and IRQ handler capabilities, checked from user
 * space. The root task checks IRQControl Issue, IRQHandler SetNotification, Ack and Clear with
 * every error code in the spec's order, and device interrupts delivered as signals.
 *
 * The device interrupt comes from the console UART, whose device frame the root task maps: its
 * transmit interrupt's raw status is set (every character the kernel prints sets it), so turning
 * the transmit interrupt's mask bit off and on (uart_edge) raises the UART's line at that very
 * store, deterministically under -icount, and the kernel takes the interrupt before the next
 * instruction (the line is edge-triggered: irq.S). Checked: a delivery signals the notification
 * with the handler's badge and masks the line; an edge while it is masked is delivered only after
 * the Ack; a line without a notification still masks; a copy of the handler capability acts on
 * the same line; a thread waiting on the notification (W) is woken with the badge and
 * acknowledges; a notification a line signals cannot be deleted; deleting the last handler
 * capability makes the line inactive, so it can be issued again. The root task halts with the
 * line masked and its notification active, for the final state's comparison. "." per check
 * passed; a failed check halts with its number (W's are numbered from IRQS_W_CHECKS).
 */
.equ IRQS_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ IRQS_NTFN, ROOT_SLOT_FREE_FIRST
.equ IRQS_NTFN2, ROOT_SLOT_FREE_FIRST + 1
.equ IRQS_NTFN3, ROOT_SLOT_FREE_FIRST + 2
.equ IRQS_BADGED, ROOT_SLOT_FREE_FIRST + 3
.equ IRQS_READ_ONLY, ROOT_SLOT_FREE_FIRST + 4
.equ IRQS_BADGED2, ROOT_SLOT_FREE_FIRST + 5
.equ IRQS_HANDLER, ROOT_SLOT_FREE_FIRST + 6
.equ IRQS_HANDLER_COPY, ROOT_SLOT_FREE_FIRST + 7
.equ IRQS_EMPTY, ROOT_SLOT_FREE_FIRST + 100
.equ IRQS_BADGE, 0x5
.equ IRQS_BADGE2, 0x30
.equ IRQS_UART, ROOT_IMAGE_VADDR + 0x100000
.equ IRQS_W_PRIORITY, 200
.equ IRQS_ROOT_LOW, 100
.equ IRQS_W_CHECKS, 100

.balign 8
boot_threads:
    .quad 1
    .quad irqs_w, irqs_stack_top, IRQS_W_PRIORITY, BOOT_START_RUNNABLE

// issue: IRQControl Issue of \line into slot \index of the CNode \cnode.
.macro issue line, cnode, index, error
    ldr x2, =(\line)
    mov x3, #(\cnode)
    ldr x4, =(\index)
    check ROOT_SLOT_IRQ_CONTROL, LABEL_IRQ_CONTROL_ISSUE, 3, \error
.endm

// set_ntfn: IRQHandler SetNotification of \handler to the notification capability \ntfn.
.macro set_ntfn handler, ntfn, error
    mov x2, #(\ntfn)
    check \handler, LABEL_IRQ_HANDLER_SET_NOTIFICATION, 1, \error
.endm

// check_mint: CNode Mint of slot \src into slot \dst with \rights and \badge, a check (x19) that
// must give ERR_OK (ulib's mint counts in x28).
.macro check_mint dst, src, rights, badge
    mov x2, #(\dst)
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #(\src)
    mov x5, #(\rights)
    mov x6, #(\badge)
    check ROOT_SLOT_CNODE, LABEL_CNODE_MINT, 5, ERR_OK
.endm

// delete: CNode Delete of slot \slot.
.macro delete slot, error
    mov x2, #(\slot)
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, \error
.endm

// poll: Poll (NBRecv) the notification \ntfn; the word it returns must be \value.
.macro poll ntfn, value
    add x19, x19, #1
    mov x0, #(\ntfn)
    mov x8, #SYS_NB_RECV
    svc #0
    cmp x0, #(\value)
    b.ne u_check_failed
.endm

// uart_edge: raise the UART's interrupt line anew: the transmit interrupt's mask bit off, then on.
.macro uart_edge
    ldr x0, =IRQS_UART
    str wzr, [x0, #PL011_IMSC]
    mov w1, #PL011_INT_TX
    str w1, [x0, #PL011_IMSC]
.endm

root_main:
    mov x19, #0
    mov x2, #OBJ_NOTIFICATION
    mov x3, #0
    mov x4, #ROOT_SLOT_CNODE
    mov x5, #IRQS_NTFN
    mov x6, #3
    check IRQS_UNTYPED, LABEL_UNTYPED_RETYPE, 5, ERR_OK
    check_mint IRQS_BADGED, IRQS_NTFN, ALL_RIGHTS, IRQS_BADGE
    check_mint IRQS_READ_ONLY, IRQS_NTFN, RIGHT_READ, 0
    check_mint IRQS_BADGED2, IRQS_NTFN2, ALL_RIGHTS, IRQS_BADGE2
    mov x2, #ROOT_SLOT_VSPACE
    ldr x3, =IRQS_UART
    mov x4, #(RIGHT_READ | RIGHT_WRITE)
    check ROOT_SLOT_CONSOLE_FRAME, LABEL_FRAME_MAP, 3, ERR_OK
    // IRQControl Issue: its checks in the spec's order.
    issue GICD_MAX_LINES, ROOT_SLOT_CNODE, IRQS_HANDLER, ERR_RANGE_ERROR
    issue TIMER_IRQ, ROOT_SLOT_CNODE, IRQS_HANDLER, ERR_REVOKE_FIRST
    issue UART0_IRQ, IRQS_EMPTY, IRQS_HANDLER, ERR_FAILED_LOOKUP
    issue UART0_IRQ, ROOT_SLOT_TCB, IRQS_HANDLER, ERR_INVALID_CAPABILITY
    issue UART0_IRQ, ROOT_SLOT_CNODE, 1 << ROOT_CNODE_RADIX, ERR_RANGE_ERROR
    issue UART0_IRQ, ROOT_SLOT_CNODE, ROOT_SLOT_TCB, ERR_DELETE_FIRST
    issue UART0_IRQ, ROOT_SLOT_CNODE, IRQS_HANDLER, ERR_OK
    issue UART0_IRQ, IRQS_EMPTY, IRQS_HANDLER_COPY, ERR_REVOKE_FIRST
    // SetNotification: its checks; a notification a line signals cannot be deleted.
    set_ntfn IRQS_HANDLER, IRQS_EMPTY, ERR_FAILED_LOOKUP
    set_ntfn IRQS_HANDLER, ROOT_SLOT_TCB, ERR_INVALID_CAPABILITY
    set_ntfn IRQS_HANDLER, IRQS_READ_ONLY, ERR_INVALID_CAPABILITY
    set_ntfn IRQS_HANDLER, IRQS_NTFN3, ERR_OK
    delete IRQS_NTFN3, ERR_DELETE_FIRST
    set_ntfn IRQS_HANDLER, IRQS_BADGED, ERR_OK
    delete IRQS_NTFN3, ERR_OK
    // The common checks on IRQ capabilities.
    check IRQS_HANDLER, LABEL_IRQ_HANDLER_SET_NOTIFICATION, 0, ERR_TRUNCATED_MESSAGE
    check IRQS_HANDLER, LABEL_FRAME_UNMAP, 0, ERR_ILLEGAL_OPERATION
    check ROOT_SLOT_IRQ_CONTROL, LABEL_IRQ_CONTROL_ISSUE, 2, ERR_TRUNCATED_MESSAGE
    // A delivery signals the notification with the badge and masks the line; an edge while it is
    // masked is delivered after the Ack.
    uart_edge
    poll IRQS_NTFN, IRQS_BADGE
    uart_edge
    poll IRQS_NTFN, 0
    check IRQS_HANDLER, LABEL_IRQ_HANDLER_ACK, 0, ERR_OK
    poll IRQS_NTFN, IRQS_BADGE
    // Clear: the line signals nothing, and still masks on delivery.
    check IRQS_HANDLER, LABEL_IRQ_HANDLER_CLEAR, 0, ERR_OK
    check IRQS_HANDLER, LABEL_IRQ_HANDLER_ACK, 0, ERR_OK
    uart_edge
    poll IRQS_NTFN, 0
    check IRQS_HANDLER, LABEL_IRQ_HANDLER_ACK, 0, ERR_OK
    // A copy of the handler capability; W waits on the notification it sets, is woken by the
    // next delivery and acknowledges it.
    mov x2, #IRQS_HANDLER_COPY
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #IRQS_HANDLER
    mov x5, #ALL_RIGHTS
    check ROOT_SLOT_CNODE, LABEL_CNODE_COPY, 4, ERR_OK
    set_ntfn IRQS_HANDLER_COPY, IRQS_BADGED2, ERR_OK
    mov x2, #IRQS_ROOT_LOW
    check ROOT_SLOT_TCB, LABEL_TCB_SET_PRIORITY, 1, ERR_OK
    uart_edge
    // The last handler capability's deletion makes the line inactive: it is issued again.
    delete IRQS_HANDLER_COPY, ERR_OK
    delete IRQS_HANDLER, ERR_OK
    issue UART0_IRQ, ROOT_SLOT_CNODE, IRQS_HANDLER, ERR_OK
    set_ntfn IRQS_HANDLER, IRQS_BADGED, ERR_OK
    // The final delivery: the state ends with the line masked and the notification active.
    uart_edge
    ldr x0, =IRQS_UART
    str wzr, [x0, #PL011_IMSC]
    mov x0, #0x0a
    bl u_putchar
    mov x0, #0
    b u_halt

// irqs_w: the thread W (see the scenario's description).
irqs_w:
    mov x19, #IRQS_W_CHECKS
    mov x0, #IRQS_NTFN2
    mov x8, #SYS_RECV
    svc #0
    add x19, x19, #1
    cmp x0, #IRQS_BADGE2
    b.ne u_check_failed
    check IRQS_HANDLER_COPY, LABEL_IRQ_HANDLER_ACK, 0, ERR_OK
    mov x0, #IRQS_NTFN2
    mov x8, #SYS_RECV
    svc #0
    b u_check_failed

.balign 16
irqs_stack:
    .space USER_STACK_SIZE
irqs_stack_top:
