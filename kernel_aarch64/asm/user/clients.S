/*
 * The console's clients (SERVICES scenario). They reach the console only through the endpoint in
 * their CSpace (ChildSlot.CONSOLE), with the typed messages of mlk.abi.services.CONSOLE, and tell
 * init that they are done with its EXIT request (ChildSlot.INIT).
 *
 *   printer  prints printer_text and exits;
 *   echo     prints a prompt, then reads from the console and writes back what it read (a carriage
 *            return, which is what Enter sends from a terminal, as a line feed) until the byte
 *            SVC_END_OF_INPUT arrives; then it says goodbye and exits.
 *
 * A request the console refuses (a status other than SVC_STATUS_OK, or fewer bytes written than
 * sent) makes the client exit with CLIENT_FAILED.
 */
.equ CLIENT_FAILED, 0x42
.equ ASCII_CR, 0x0d
.equ ASCII_LF, 0x0a

.balign (1 << PAGE_BITS)
clients_main:
printer_main:
    adr x0, printer_text
    bl client_puts
    mov x0, #0
    b client_exit

// echo_main: x21 the bytes read, x22 their address, x23 set once the input has ended.
echo_main:
    adr x0, echo_prompt
    bl client_puts
echo_loop:
    msg_alloc
    msg_zero
    mov x0, #SVC_CONSOLE_READ_REPLY_DATA_BYTES
    str x0, [sp, #(SVC_CONSOLE_READ_REQ_MR_LENGTH * 8)]
    msg_load
    sys SYS_CALL, CHILD_SLOT_CONSOLE, SVC_CONSOLE_READ_LABEL, SVC_CONSOLE_READ_REQ_MR_LENGTH + 1
    msg_store
    lsr x11, x1, #MSGINFO_LABEL_SHIFT
    cbnz x11, client_failed
    ldr x21, [sp, #(SVC_CONSOLE_READ_REPLY_MR_LENGTH * 8)]
    add x22, sp, #(SVC_CONSOLE_READ_REPLY_DATA_MR * 8)
    mov x23, #0
    mov x13, #0
echo_scan:
    cmp x13, x21
    b.hs echo_scanned
    ldrb w14, [x22, x13]
    cmp w14, #SVC_END_OF_INPUT
    b.eq echo_input_ended
    cmp w14, #ASCII_CR
    b.ne echo_scan_next
    mov w14, #ASCII_LF
    strb w14, [x22, x13]
echo_scan_next:
    add x13, x13, #1
    b echo_scan
echo_input_ended:
    mov x21, x13
    mov x23, #1
echo_scanned:
    cbz x21, echo_echoed
    mov x0, x22
    mov x1, x21
    bl client_write
echo_echoed:
    msg_free
    cbz x23, echo_loop
    adr x0, echo_goodbye
    bl client_puts
    mov x0, #0
    b client_exit

// client_puts: write the NUL-terminated string at x0, SVC_CONSOLE_WRITE_REQ_DATA_BYTES bytes at
// a time. Clobbers x0-x8, x11-x15.
client_puts:
    stp x19, x30, [sp, #-16]!
    mov x19, x0
client_puts_chunk:
    mov x1, #0
client_puts_count:
    ldrb w2, [x19, x1]
    cbz w2, client_puts_counted
    add x1, x1, #1
    cmp x1, #SVC_CONSOLE_WRITE_REQ_DATA_BYTES
    b.lo client_puts_count
client_puts_counted:
    cbz x1, client_puts_done
    mov x0, x19
    add x19, x19, x1
    bl client_write
    b client_puts_chunk
client_puts_done:
    ldp x19, x30, [sp], #16
    ret

// client_write: write x1 bytes (at most SVC_CONSOLE_WRITE_REQ_DATA_BYTES) from x0 with one write
// request. Clobbers x0-x8, x11-x15.
client_write:
    msg_alloc
    msg_zero
    str x1, [sp, #(SVC_CONSOLE_WRITE_REQ_MR_LENGTH * 8)]
    add x13, sp, #(SVC_CONSOLE_WRITE_REQ_DATA_MR * 8)
    mov x14, #0
client_write_copy:
    cmp x14, x1
    b.hs client_write_send
    ldrb w15, [x0, x14]
    strb w15, [x13, x14]
    add x14, x14, #1
    b client_write_copy
client_write_send:
    mov x12, x1
    data_regs x13, x1, SVC_CONSOLE_WRITE_REQ_DATA_MR
    msg_load
    mov x0, #CHILD_SLOT_CONSOLE
    ldr x1, =(SVC_CONSOLE_WRITE_LABEL << MSGINFO_LABEL_SHIFT)
    orr x1, x1, x13
    mov x8, #SYS_CALL
    svc #0
    msg_store
    lsr x11, x1, #MSGINFO_LABEL_SHIFT
    cbnz x11, client_failed
    ldr x13, [sp, #(SVC_CONSOLE_WRITE_REPLY_MR_WRITTEN * 8)]
    cmp x13, x12
    b.ne client_failed
    msg_free
    ret

client_failed:
    mov x0, #CLIENT_FAILED

// client_exit: tell init this thread is done, with status x0; init suspends it.
client_exit:
    msg_alloc
    msg_zero
    str x0, [sp, #(SVC_INIT_EXIT_REQ_MR_STATUS * 8)]
    msg_load
    sys SYS_CALL, CHILD_SLOT_INIT, SVC_INIT_EXIT_LABEL, SVC_INIT_EXIT_REQ_MR_STATUS + 1
client_exit_unanswered:
    b client_exit_unanswered

printer_text:
    .ascii "printer: this line went from a client thread to the console service by IPC\n"
    .asciz "printer: the console service owns the UART (a device frame and its interrupt)\n"
echo_prompt:
    .asciz "echo: type a line; it comes back through the console service (Ctrl-D ends)\n"
echo_goodbye:
    .asciz "echo: end of input, goodbye\n"

.ltorg
.balign (1 << PAGE_BITS)
printer_stack:
    .space USER_STACK_SIZE
printer_stack_top:
echo_stack:
    .space USER_STACK_SIZE
echo_stack_top:
