/* The default root task: greet through the debug console, then halt with status 0. */
.balign 8
boot_threads:
    .quad 0

root_main:
    adr x0, hello_text
    bl u_puts
    mov x0, #0
    b u_halt

hello_text:
    .asciz "Hello from the root task at EL0\n"
