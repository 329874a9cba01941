/* Kernel data: strings, boot flags and stacks. Everything here is part of the image. */

.ltorg
.balign 8
str_hello:      .asciz "Hello from MyLittleKernel! build "
str_panic:      .asciz "\nKERNEL PANIC: unexpected exception: "
str_esr:        .asciz "  ESR_EL1  "
str_elr:        .asciz "  ELR_EL1  "
str_far:        .asciz "  FAR_EL1  "
str_spsr:       .asciz "  SPSR_EL1 "
str_v0:         .asciz "EL1t synchronous"
str_v1:         .asciz "EL1t IRQ"
str_v2:         .asciz "EL1t FIQ"
str_v3:         .asciz "EL1t SError"
str_v4:         .asciz "EL1h synchronous"
str_v5:         .asciz "EL1h IRQ"
str_v6:         .asciz "EL1h FIQ"
str_v7:         .asciz "EL1h SError"
str_v8:         .asciz "EL0 AArch64 synchronous"
str_v9:         .asciz "EL0 AArch64 IRQ"
str_v10:        .asciz "EL0 AArch64 FIQ"
str_v11:        .asciz "EL0 AArch64 SError"
str_v12:        .asciz "EL0 AArch32 synchronous"
str_v13:        .asciz "EL0 AArch32 IRQ"
str_v14:        .asciz "EL0 AArch32 FIQ"
str_v15:        .asciz "EL0 AArch32 SError"

.balign 8
// Names of the 16 vector table entries, by index.
vector_names:
    .quad str_v0, str_v1, str_v2, str_v3, str_v4, str_v5, str_v6, str_v7
    .quad str_v8, str_v9, str_v10, str_v11, str_v12, str_v13, str_v14, str_v15

boot_entered_el2:   .word 0
panic_active:       .word 0
.balign 8
// Parameter block of the semihosting SYS_EXIT call: reason, status.
semihost_block:     .quad 0, 0

.balign 16
boot_stack:
    .space BOOT_KERNEL_STACK_SIZE
boot_stack_top:
panic_stack:
    .space 0x1000
panic_stack_top:
