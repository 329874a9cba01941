/*
 * The PL011 console, polled. Clobbers x0-x4 (and x19-x20, saved, in uart_puthex/uart_putdec).
 * The UART's address is console_base: physical while the MMU is off, its kernel window address
 * after boot_high switched it.
 */

// uart_putc: write the byte in w0, waiting while the transmit FIFO is full.
uart_putc:
    adr x1, console_base
    ldr x1, [x1]
uart_putc_wait:
    ldr w2, [x1, #PL011_FR]
    tbnz w2, #PL011_FR_TXFF_BIT, uart_putc_wait
    str w0, [x1, #PL011_DR]
    ret

// uart_puts: write the NUL-terminated string at x0.
uart_puts:
    frame_enter
    mov x4, x0
uart_puts_loop:
    ldrb w0, [x4], #1
    cbz w0, uart_puts_done
    bl uart_putc
    b uart_puts_loop
uart_puts_done:
    frame_leave
    ret

// uart_newline: write a line feed.
uart_newline:
    mov w0, #0x0a
    b uart_putc

// uart_puthex: write x0 as 0x followed by 16 hexadecimal digits.
uart_puthex:
    frame_enter
    stp x19, x20, [sp, #-16]!
    mov x19, x0
    mov w0, #0x30
    bl uart_putc
    mov w0, #0x78
    bl uart_putc
    mov x20, #60
uart_puthex_loop:
    lsr x0, x19, x20
    and x0, x0, #0xf
    cmp x0, #10
    b.lo uart_puthex_digit
    add x0, x0, #(0x61 - 10)
    b uart_puthex_emit
uart_puthex_digit:
    add x0, x0, #0x30
uart_puthex_emit:
    bl uart_putc
    subs x20, x20, #4
    b.ge uart_puthex_loop
    ldp x19, x20, [sp], #16
    frame_leave
    ret

// uart_putdec: write x0 in decimal.
uart_putdec:
    frame_enter
    stp x19, x20, [sp, #-16]!
    sub sp, sp, #32
    mov x19, sp
    mov x20, #10
uart_putdec_digit:
    udiv x2, x0, x20
    msub x3, x2, x20, x0
    add x3, x3, #0x30
    strb w3, [x19], #1
    mov x0, x2
    cbnz x0, uart_putdec_digit
uart_putdec_emit:
    ldrb w0, [x19, #-1]!
    bl uart_putc
    mov x4, sp
    cmp x19, x4
    b.ne uart_putdec_emit
    add sp, sp, #32
    ldp x19, x20, [sp], #16
    frame_leave
    ret
