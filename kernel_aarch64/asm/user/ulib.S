/*
 * A small user library: the debug system calls and helpers. The argument of a debug call travels
 * in x0 (REG_CPTR), the call number in x8 (REG_SYSNO); see mlk.abi.syscalls.
 * Clobbers x0-x8.
 */

// check: Call capability \cptr with label \label and \length message registers (x2.. set by the
// caller), then expect error \error in x0; counts the check in x19 and prints "." when it passed;
// a failed check halts the machine with its number (u_check_failed).
.macro check cptr, label, length, error
    add x19, x19, #1
    mov x0, #(\cptr)
    ldr x1, =((\label << MSGINFO_LABEL_SHIFT) | \length)
    mov x8, #SYS_CALL
    svc #0
    cmp x0, #(\error)
    b.ne u_check_failed
    mov x0, #0x2e
    bl u_putchar
.endm

// expect_mr0: the last check's reply value MR0 must be \value.
.macro expect_mr0 value
    cmp x2, #(\value)
    b.ne u_check_failed
.endm

// debug_checkpoint: ask the harness to compare the kernel's whole state with the spec's here
// (DebugCheckpoint; the spec changes nothing, so the registers come back as they were: x0, set to
// the check's number, is checked). Counts the check in x19 like check.
.macro debug_checkpoint
    add x19, x19, #1
    mov x0, x19
    mov x8, #SYS_DEBUG_CHECKPOINT
    svc #0
    cmp x0, x19
    b.ne u_check_failed
.endm

// u_check_failed: a check failed: print "!" and halt with the check's number (x19).
u_check_failed:
    mov x0, #0x21
    bl u_putchar
    mov x0, x19
    b u_halt

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
