/* Kernel data: strings, boot flags and stacks. Everything here is part of the image. */

.ltorg
.balign 8
str_hello:      .asciz "Hello from MyLittleKernel! build "
str_panic:      .asciz "\nKERNEL PANIC: unexpected exception: "
str_esr:        .asciz "  ESR_EL1  "
str_elr:        .asciz "  ELR_EL1  "
str_far:        .asciz "  FAR_EL1  "
str_spsr:       .asciz "  SPSR_EL1 "
str_boot_count: .asciz "[mlk] boot: "
str_boot_count_tail: .asciz " instructions from reset to the root task's first instruction\n"
str_fault:      .asciz "[mlk] fault: thread "
str_fault_kind: .asciz " kind "
str_fault_mr0:  .asciz " mr0 "
str_fault_mr1:  .asciz " mr1 "
str_fault_pc:   .asciz " pc "
str_fault_tail: .asciz ": thread stopped\n"
str_image_too_large: .asciz "[mlk] boot: the root image exceeds ROOT_IMAGE_MAX_PAGES\n"
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
boot_reported:      .word 0
.balign 8
// The console UART's address (see uart.S).
console_base:       .quad UART0_BASE
// The number of untyped capabilities the boot gave the root task.
boot_untyped_count: .quad 0
// SCHED scenario: the thread the kernel wakes at CONFIG_SCHED_WAKE_TICK (physical address).
scenario_wake_tcb:  .quad 0
// Parameter block of the semihosting SYS_EXIT call: reason, status.
semihost_block:     .quad 0, 0

// The kernel stack: the boot stack, then after boot the one stack every kernel entry starts on.
.balign 16
boot_stack:
    .space BOOT_KERNEL_STACK_SIZE
boot_stack_top:
panic_stack:
    .space 0x1000
panic_stack_top:

// The kernel's translation tables (mmu.S), and the empty user table that threads without a
// VSpace run on (trap.S).
.balign (1 << PAGE_BITS)
kernel_l0:
    .space (1 << PAGE_BITS)
kernel_l1:
    .space (1 << PAGE_BITS)
user_empty_table:
    .space (1 << PAGE_BITS)
