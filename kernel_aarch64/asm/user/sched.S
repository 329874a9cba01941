/*
 * The SCHED scenario. The boot code creates threads A and B at priority SCHED_LOW and H at
 * SCHED_HIGH; H is made runnable by the kernel at tick CONFIG_SCHED_WAKE_TICK. The root task,
 * at the highest priority, runs first and stops itself at once (an undefined instruction). Each
 * of A, B and H prints its
 * letter, then spins for SCHED_DELAY iterations, in a loop. A halts the machine with status 0
 * after SCHED_A_ROUNDS letters; H stops itself with an undefined instruction after
 * SCHED_H_ROUNDS; B never ends. The kernel prints "|" at every tick in this scenario.
 */
.equ SCHED_LOW, 10
.equ SCHED_HIGH, 20
.equ SCHED_DELAY, 4000
.equ SCHED_A_ROUNDS, 250
.equ SCHED_H_ROUNDS, 20

.balign 8
boot_threads:
    .quad 3
    .quad sched_a, sched_stack_a_top, SCHED_LOW, BOOT_START_RUNNABLE
    .quad sched_b, sched_stack_b_top, SCHED_LOW, BOOT_START_RUNNABLE
    .quad sched_h, sched_stack_h_top, SCHED_HIGH, BOOT_START_AT_WAKE_TICK

// The root task has nothing to do here: it stops itself with an undefined instruction.
root_main:
    .word 0x00000000    // UDF #0

sched_a:
    mov x19, #SCHED_A_ROUNDS
sched_a_loop:
    mov x0, #0x41
    bl u_putchar
    ldr x0, =SCHED_DELAY
    bl u_delay
    subs x19, x19, #1
    b.ne sched_a_loop
    mov x0, #0
    b u_halt

sched_b:
    mov x0, #0x42
    bl u_putchar
    ldr x0, =SCHED_DELAY
    bl u_delay
    b sched_b

sched_h:
    mov x19, #SCHED_H_ROUNDS
sched_h_loop:
    mov x0, #0x48
    bl u_putchar
    ldr x0, =SCHED_DELAY
    bl u_delay
    subs x19, x19, #1
    b.ne sched_h_loop
    .word 0x00000000    // UDF #0: H stops here

.balign 16
sched_stack_a:
    .space USER_STACK_SIZE
sched_stack_a_top:
sched_stack_b:
    .space USER_STACK_SIZE
sched_stack_b_top:
sched_stack_h:
    .space USER_STACK_SIZE
sched_stack_h_top:
