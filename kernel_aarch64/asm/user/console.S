/*
 * The console service (SERVICES scenario): owns the PL011 UART through its device frame, mapped at
 * CONSOLE_UART_VADDR, and its IRQ handler, and serves mlk.abi.services.CONSOLE on its endpoint:
 *
 *   write  prints the request's bytes (polling the transmit FIFO) and replies with their number;
 *   read   replies with up to the requested number of received bytes, as soon as there is one:
 *          when none is waiting in the UART it waits for the UART's interrupt on its notification.
 *          The kernel masks the line when it signals; the service acknowledges the interrupt after
 *          taking what the receive FIFO holds (an edge that comes meanwhile stays pending at the
 *          interrupt controller and is delivered with the acknowledgement), so it never polls.
 *
 * A request with another label gets SVC_STATUS_UNKNOWN_OPERATION; one whose length field exceeds
 * what the message can carry gets SVC_STATUS_BAD_LENGTH; one with fewer registers than its fields
 * and data need gets SVC_STATUS_TRUNCATED. While a reader waits for input, the reply right stays
 * with the service (waiting on a notification keeps it) and other requests queue on the endpoint.
 * If setting up the interrupt fails, the service exits with CONSOLE_SETUP_FAILED.
 *
 * Registers: x20 the UART's address, x21 the length a read asked for, x22 the bytes it has, x12
 * the request's message length; the message buffer (svclib.S) is at sp.
 */.equ CONSOLE_SETUP_FAILED, 0x41

.balign (1 << PAGE_BITS)
console_main:
    ldr x20, =CONSOLE_UART_VADDR
    msg_alloc
    mov x2, #CHILD_SLOT_IRQ_NOTIFICATION
    sys SYS_CALL, CHILD_SLOT_IRQ_HANDLER, LABEL_IRQ_HANDLER_SET_NOTIFICATION, 1
    cbnz x0, console_setup_failed
    mov w0, #(PL011_INT_RX | PL011_INT_RT)
    str w0, [x20, #PL011_IMSC]
    sys SYS_RECV, CHILD_SLOT_CONSOLE

// console_request: a request arrived (x1 its message-info word, x2.. its registers).
console_request:
    msg_store
    lsr x11, x1, #MSGINFO_LABEL_SHIFT
    and x12, x1, #MSGINFO_LENGTH_MASK
    cmp x11, #SVC_CONSOLE_WRITE_LABEL
    b.eq console_write
    cmp x11, #SVC_CONSOLE_READ_LABEL
    b.eq console_read
    ldr x1, =(SVC_STATUS_UNKNOWN_OPERATION << MSGINFO_LABEL_SHIFT)

// console_reply: answer with message-info x1 and the buffer's registers, then take the next request.
console_reply:
    msg_load
    mov x0, #CHILD_SLOT_CONSOLE
    mov x8, #SYS_REPLY_RECV
    svc #0
    b console_request

console_bad_length:
    ldr x1, =(SVC_STATUS_BAD_LENGTH << MSGINFO_LABEL_SHIFT)
    b console_reply

console_truncated:
    ldr x1, =(SVC_STATUS_TRUNCATED << MSGINFO_LABEL_SHIFT)
    b console_reply

console_write:
    length_field SVC_CONSOLE_WRITE_REQ_MR_LENGTH, SVC_CONSOLE_WRITE_REQ_DATA_BYTES, console_truncated, console_bad_length
    data_regs x13, x21, SVC_CONSOLE_WRITE_REQ_DATA_MR
    cmp x12, x13
    b.lo console_truncated
    add x14, sp, #(SVC_CONSOLE_WRITE_REQ_DATA_MR * 8)
    mov x13, #0
console_write_byte:
    cmp x13, x21
    b.hs console_written
    ldrb w15, [x14, x13]
console_write_wait:
    ldr w16, [x20, #PL011_FR]
    tbnz w16, #PL011_FR_TXFF_BIT, console_write_wait
    str w15, [x20, #PL011_DR]
    add x13, x13, #1
    b console_write_byte
console_written:
    msg_zero
    str x21, [sp, #(SVC_CONSOLE_WRITE_REPLY_MR_WRITTEN * 8)]
    ldr x1, =((SVC_STATUS_OK << MSGINFO_LABEL_SHIFT) | (SVC_CONSOLE_WRITE_REPLY_MR_WRITTEN + 1))
    b console_reply

console_read:
    length_field SVC_CONSOLE_READ_REQ_MR_LENGTH, SVC_CONSOLE_READ_REPLY_DATA_BYTES, console_truncated, console_bad_length
    msg_zero
    mov x22, #0
    bl console_drain
    cbnz x22, console_read_reply
    cbz x21, console_read_reply
console_read_wait:
    sys SYS_RECV, CHILD_SLOT_IRQ_NOTIFICATION
    bl console_drain
    sys SYS_CALL, CHILD_SLOT_IRQ_HANDLER, LABEL_IRQ_HANDLER_ACK, 0
    cbz x22, console_read_wait
console_read_reply:
    str x22, [sp, #(SVC_CONSOLE_READ_REPLY_MR_LENGTH * 8)]
    data_regs x13, x22, SVC_CONSOLE_READ_REPLY_DATA_MR
    ldr x1, =(SVC_STATUS_OK << MSGINFO_LABEL_SHIFT)
    orr x1, x1, x13
    b console_reply

// console_drain: move received bytes from the UART into the reply's data while there are any and
// fewer than x21 are there (x22 counts them). Clobbers x0, x1.
console_drain:
    cmp x22, x21
    b.hs console_drained
    ldr w0, [x20, #PL011_FR]
    tbnz w0, #PL011_FR_RXFE_BIT, console_drained
    ldr w0, [x20, #PL011_DR]
    and w0, w0, #PL011_DR_DATA_MASK
    add x1, sp, #(SVC_CONSOLE_READ_REPLY_DATA_MR * 8)
    strb w0, [x1, x22]
    add x22, x22, #1
    b console_drain
console_drained:
    ret

console_setup_failed:
    msg_zero
    mov x0, #CONSOLE_SETUP_FAILED
    str x0, [sp, #(SVC_INIT_EXIT_REQ_MR_STATUS * 8)]
    msg_load
    sys SYS_CALL, CHILD_SLOT_INIT, SVC_INIT_EXIT_LABEL, SVC_INIT_EXIT_REQ_MR_STATUS + 1
    b console_setup_failed

.ltorg
.balign (1 << PAGE_BITS)
console_stack:
    .space USER_STACK_SIZE
console_stack_top:
