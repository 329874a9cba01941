/*
 * panic_exception: report an unexpected exception and stop the machine.
 *
 * In: x0 = the vector table index (0-15). Prints which vector was taken and ESR_EL1, ELR_EL1,
 * FAR_EL1 and SPSR_EL1, then powers off with BOOT_PANIC_STATUS. Runs on its own stack, since the
 * exception may have come from a broken stack. A panic during a panic powers off at once.
 */
panic_exception:
    adr x1, panic_stack_top
    mov sp, x1
    adr x1, panic_active
    ldr w2, [x1]
    cbnz w2, panic_nested
    mov w2, #1
    str w2, [x1]
    mov x19, x0
    adr x0, str_panic
    bl uart_puts
    adr x1, vector_names
    ldr x0, [x1, x19, lsl #3]
    bl uart_puts
    bl uart_newline
    adr x0, str_esr
    mrs x1, esr_el1
    bl panic_field
    adr x0, str_elr
    mrs x1, elr_el1
    bl panic_field
    adr x0, str_far
    mrs x1, far_el1
    bl panic_field
    adr x0, str_spsr
    mrs x1, spsr_el1
    bl panic_field
    mov x0, #BOOT_PANIC_STATUS
    b power_off

panic_nested:
    mov x0, #BOOT_PANIC_STATUS
    b power_off

// panic_field: print the string at x0, then x1 in hex, then a newline.
panic_field:
    frame_enter
    stp x19, x20, [sp, #-16]!
    mov x19, x1
    bl uart_puts
    mov x0, x19
    bl uart_puthex
    bl uart_newline
    ldp x19, x20, [sp], #16
    frame_leave
    ret
