/*
 * The FAULTS scenario. All threads share the root task's priority; the worker W (the root task)
 * runs first. W prints "W" and yields, FAULTS_ROUNDS times, then halts with status 0. Each other
 * thread prints its letter once and then faults:
 *   r reads kernel memory (the kernel window: mapped for EL1 only)   -> data abort
 *   u executes an undefined instruction                               -> undefined instruction
 *   j jumps to an unmapped address                                    -> instruction abort
 *   p jumps to a misaligned address                                   -> PC alignment
 *   y makes an unknown system call (number FAULTS_BAD_SYSNO)          -> unknown system call
 * Each faulting thread is stopped; the kernel and W go on. (A misaligned SP is not exercised:
 * QEMU does not implement the SCTLR_EL1.SA0 stack alignment check.)
 */
.equ FAULTS_PRIORITY, ROOT_PRIORITY
.equ FAULTS_ROUNDS, 4
.equ FAULTS_UNMAPPED, 0x10000000
.equ FAULTS_BAD_SYSNO, 99

.balign 8
boot_threads:
    .quad 5
    .quad faults_r, faults_stack_x_top, FAULTS_PRIORITY, BOOT_START_RUNNABLE
    .quad faults_u, faults_stack_x_top, FAULTS_PRIORITY, BOOT_START_RUNNABLE
    .quad faults_j, faults_stack_x_top, FAULTS_PRIORITY, BOOT_START_RUNNABLE
    .quad faults_p, faults_stack_x_top, FAULTS_PRIORITY, BOOT_START_RUNNABLE
    .quad faults_y, faults_stack_x_top, FAULTS_PRIORITY, BOOT_START_RUNNABLE

root_main:
    mov x19, #FAULTS_ROUNDS
faults_w_loop:
    mov x0, #0x57
    bl u_putchar
    bl u_yield
    subs x19, x19, #1
    b.ne faults_w_loop
    mov x0, #0x0a
    bl u_putchar
    mov x0, #0
    b u_halt

faults_r:
    mov x0, #0x72
    bl u_putchar
    ldr x1, =(KWIN_BASE + KERNEL_BASE)
    ldr x0, [x1]
    b faults_survived

faults_u:
    mov x0, #0x75
    bl u_putchar
    .word 0x00000000    // UDF #0
    b faults_survived

faults_j:
    mov x0, #0x6a
    bl u_putchar
    ldr x1, =FAULTS_UNMAPPED
    br x1

faults_p:
    mov x0, #0x70
    bl u_putchar
    adr x1, faults_survived
    add x1, x1, #2
    br x1

faults_y:
    mov x0, #0x79
    bl u_putchar
    mov x8, #FAULTS_BAD_SYSNO
    svc #0
    b faults_survived

// A faulting thread that gets here was not stopped: fail loudly.
faults_survived:
    mov x0, #0x21
    bl u_putchar
    mov x0, #1
    b u_halt

.balign 16
// The faulting threads share one stack: each runs only until its first fault.
faults_stack_x:
    .space USER_STACK_SIZE
faults_stack_x_top:
