/*
 * A small user library: the debug system calls and helpers. The argument of a debug call travels
 * in x0 (REG_CPTR), the call number in x8 (REG_SYSNO); see mlk.abi.syscalls.
 * Clobbers x0-x8.
 */

// u_putchar: print the byte in w0.
u_putchar:
    mov x8, #SYS_DEBUG_PUTCHAR
    svc #0
    ret

// u_halt: stop the machine with the status in x0.
u_halt:
    mov x8, #SYS_DEBUG_HALT
    svc #0
u_halt_returned:
    b u_halt_returned

// u_puts: print the NUL-terminated string at x0.
u_puts:
    stp x19, x30, [sp, #-16]!
    mov x19, x0
u_puts_loop:
    ldrb w0, [x19], #1
    cbz w0, u_puts_done
    bl u_putchar
    b u_puts_loop
u_puts_done:
    ldp x19, x30, [sp], #16
    ret

// u_delay: spin for x0 iterations (two instructions each).
u_delay:
    subs x0, x0, #1
    b.ne u_delay
    ret

// u_yield: the Yield system call.
u_yield:
    mov x8, #SYS_YIELD
    svc #0
    ret
