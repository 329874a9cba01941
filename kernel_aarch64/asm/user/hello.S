/* The default root task: greet through the debug console, then halt with status 0. */
.balign 8
boot_threads:
    .quad 1
    .quad hello_main, hello_stack_top, ROOT_PRIORITY, BOOT_START_RUNNABLE

hello_main:
    adr x0, hello_text
    bl u_puts
    mov x0, #0
    b u_halt

hello_text:
    .asciz "Hello from the root task at EL0\n"

.balign 16
hello_stack:
    .space USER_STACK_SIZE
hello_stack_top:
