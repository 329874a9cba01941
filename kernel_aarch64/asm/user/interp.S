/*
 * The INTERP scenario: a user-space interpreter of scripted system calls, for differential tests
 * (mlk.refinement.difftest). The harness writes, into the built image, a program: the
 * boot_threads table (count and entries) and one script per thread in interp_scripts, so that
 * a new program needs no assembler run. The root task runs the script at interp_scripts; each
 * boot thread starts at interp_thread with its SP at the start of its own script.
 *
 * A script is a sequence of steps of INTERP_STEP_WORDS words: an operation, then the values of
 * x0-x10 to load. The operations:
 *   INTERP_OP_END      (0) stop: execute an undefined instruction (a zero word also ends a script)
 *   INTERP_OP_SYSCALL  (1) svc #0 with the loaded registers, then go on with the next step
 *   INTERP_OP_LOAD     (2) load from the address in x0 (a data abort when it is not readable)
 *   INTERP_OP_JUMP     (3) branch to the address in x0 (an instruction abort or a PC alignment fault)
 *   INTERP_OP_SPIN     (4) spin for x0 iterations (two instructions each), letting ticks fall
 *   INTERP_OP_UNDEF    (5) execute an undefined instruction
 *   INTERP_OP_UART_EDGE (6) raise the console UART's interrupt line once, through its device frame
 *                      mapped at x0: the transmit interrupt's mask bit (PL011 IMSC) off, on, off.
 *                      Its raw status is set (the kernel's banner sets it), so the line rises at
 *                      the second store, deterministically under -icount: the CPU takes the
 *                      interrupt before the next instruction when the line is enabled at the
 *                      distributor (a SIGNAL line not masked), else it stays pending there (the
 *                      line is edge-triggered, irq.S) until the handler's Ack. The third store
 *                      lowers the line again, ready for the next edge.
 * Any other operation is an undefined instruction too. The interpreter keeps its script pointer
 * in x19, which no system call changes, and uses no stack.
 */
.equ INTERP_OP_SYSCALL, 1
.equ INTERP_OP_LOAD, 2
.equ INTERP_OP_JUMP, 3
.equ INTERP_OP_SPIN, 4
.equ INTERP_OP_UART_EDGE, 6
.equ INTERP_STEP_WORDS, 12
.equ INTERP_MAX_THREADS, BOOT_MAX_THREADS - 1
.equ INTERP_SCRIPT_PAGES, 8

.balign 8
boot_threads:
    .quad 0
    .space INTERP_MAX_THREADS * BOOT_THREAD_SIZE

root_main:
    adr x19, interp_scripts
    b interp_next

// A boot thread: its script starts at its initial stack pointer.
interp_thread:
    mov x19, sp
interp_next:
    ldr x20, [x19], #8
    ldp x0, x1, [x19], #16
    ldp x2, x3, [x19], #16
    ldp x4, x5, [x19], #16
    ldp x6, x7, [x19], #16
    ldp x8, x9, [x19], #16
    ldr x10, [x19], #8
    cmp x20, #INTERP_OP_SYSCALL
    b.eq interp_syscall
    cmp x20, #INTERP_OP_LOAD
    b.eq interp_load
    cmp x20, #INTERP_OP_JUMP
    b.eq interp_jump
    cmp x20, #INTERP_OP_SPIN
    b.eq interp_spin
    cmp x20, #INTERP_OP_UART_EDGE
    b.eq interp_uart_edge
interp_stop:
    .word 0x00000000    // UDF #0: the end of the script, or an undefined instruction on purpose

interp_syscall:
    svc #0
    b interp_next

interp_load:
    ldr x11, [x0]
    b interp_next

interp_jump:
    br x0

interp_spin:
    cbz x0, interp_next
    sub x0, x0, #1
    b interp_spin

interp_uart_edge:
    str wzr, [x0, #PL011_IMSC]
    mov w1, #PL011_INT_TX
    str w1, [x0, #PL011_IMSC]
    str wzr, [x0, #PL011_IMSC]
    b interp_next

.balign (1 << PAGE_BITS)
interp_scripts:
    .space INTERP_SCRIPT_PAGES << PAGE_BITS
interp_scripts_end:
