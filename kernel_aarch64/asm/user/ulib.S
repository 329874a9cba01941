/*
 * A small user library, included by every scenario: the debug system calls and helpers, and the
 * macros with which the scenarios check results from user space. The argument of a debug call
 * travels in x0 (REG_CPTR), the call number in x8 (REG_SYSNO); see mlk.abi.syscalls.
 * Clobbers x0-x8.
 *
 * Two checking conventions: check/expect_mr0/debug_checkpoint count checks in x19 and print "."
 * per check passed (single-threaded scenarios: caps, tcbs, frames, irqs); sys/expect/invoke/mint/
 * retype_objects/not_reached count in x28 from a base each thread sets (mov x28, #BASE), for
 * scenarios of many threads (ipc, ntfn, xfer, fastpath, faultipc). Either way a failed check halts
 * the machine with its number.
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

// The second checking convention, for scenarios of several threads: each thread numbers its
// checks in x28 from a base of its own (mov x28, #BASE at its start), and a failed one halts the
// machine with that number (u_expect_failed).

// sys: system call \sysno on CPtr \cptr with message-info label \label, length \length and \caps
// extra capabilities (the message registers set by the caller).
.macro sys sysno, cptr, label=0, length=0, caps=0
    mov x0, #(\cptr)
    ldr x1, =(((\label) << MSGINFO_LABEL_SHIFT) | ((\length) << MSGINFO_LENGTH_SHIFT) | ((\caps) << MSGINFO_EXTRA_CAPS_SHIFT))
    mov x8, #(\sysno)
    svc #0
.endm

// expect: register \reg must hold \value, else the thread's check (x28, counted here) fails.
// Clobbers x11.
.macro expect reg, value
    add x28, x28, #1
    ldr x11, =(\value)
    cmp \reg, x11
    b.ne u_expect_failed
.endm

// invoke: Call capability \cptr with label \label and \length message registers (x2.. set by
// the caller); expect error \error in x0.
.macro invoke cptr, label, length, error=ERR_OK
    sys SYS_CALL, \cptr, \label, \length
    expect x0, \error
.endm

// mint: CNode Mint, through CNode capability \cnode (also the source's CNode), of slot \src into
// slot \dst with \rights and \badge; expect ERR_OK.
.macro mint cnode, dst, src, rights, badge
    mov x2, #(\dst)
    mov x3, #(\cnode)
    mov x4, #(\src)
    mov x5, #(\rights)
    mov x6, #(\badge)
    invoke \cnode, LABEL_CNODE_MINT, 5
.endm

// retype_objects: Untyped Retype of \count objects of \type (size 0) from untyped capability
// \untyped into slots \first.. of CNode capability \cnode; expect ERR_OK.
.macro retype_objects untyped, cnode, type, first, count
    mov x2, #(\type)
    mov x3, #0
    mov x4, #(\cnode)
    mov x5, #(\first)
    mov x6, #(\count)
    invoke \untyped, LABEL_UNTYPED_RETYPE, 5
.endm

// not_reached: the thread must have stopped before it gets here (blocked for good, or stopped by a
// fault): halt with \number.
.macro not_reached number
    mov x28, #(\number)
    b u_expect_failed
.endm

// u_expect_failed: a thread's check failed: print "!" and halt with its number (x28).
u_expect_failed:
    mov x0, #0x21
    bl u_putchar
    mov x0, x28
    b u_halt

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
