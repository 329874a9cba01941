/*
 * kmain: runs with the MMU off. Prints the banner with the build id and runs the test hook of a
 * test build (mlk.kernel_aarch64.config.TestHook), then returns to _start. It keeps its return
 * address in x19 rather than in a stack frame, so that a debugger's "break kmain" stops at its
 * first instruction.
 */
kmain:
    adr x0, str_hello
    mov x19, x30
    bl uart_puts
    adr x0, mlk_build_id
    bl uart_puts
    bl uart_newline
.if CONFIG_TEST_HOOK == TEST_HOOK_UNDEF_EL1
    .word 0x00000000    // UDF #0 (keystone has no udf mnemonic): permanently undefined
.endif
.if CONFIG_TEST_HOOK == TEST_HOOK_SPIN
kmain_spin:
    b kmain_spin
.endif
.if CONFIG_TEST_HOOK == TEST_HOOK_EXIT_STATUS
    mov x0, #CONFIG_TEST_EXIT_STATUS
    b power_off
.endif
    mov x30, x19
    ret

/*
 * kernel_init: the kernel's boot after the MMU is on. Builds the spec's boot state (the idle
 * thread, the root task's objects, capabilities and threads: rootboot.S), starts the interrupt
 * controller and the tick, makes the first scheduling decision and enters the chosen thread.
 */
kernel_init:
    bl idle_init
    bl gic_init
    bl boot_root_task
    bl timer_start
    bl schedule
    b boot_launch

/*
 * idle_init: the idle thread (spec: Machine.idle_tcb, state IDLE, a full time slice like every
 * thread the spec's boot makes). It runs idle_loop at EL1 with only IRQs unmasked, on the
 * (empty) kernel stack, in whatever address space was last loaded. It is current until the
 * first scheduling decision.
 */
idle_init:
    adr x0, idle_tcb
    mov x1, #TS_IDLE
    str x1, [x0, #TCB_STATE]
    adr x1, idle_loop
    str x1, [x0, #CTX_ELR_EL1]
    mov x1, #SPSR_EL1H_IRQ
    str x1, [x0, #CTX_SPSR_EL1]
    mov x1, #TIME_SLICE_TICKS
    str x1, [x0, #TCB_TIME_SLICE]
    adr x1, kstate
    va_to_pa x0, x0
    str x0, [x1, #KSTATE_IDLE]
    str x0, [x1, #KSTATE_CURRENT]
    ret

idle_loop:
    wfi
    b idle_loop

/*
 * boot_launch: enter the first thread (the root task), dropping the boot's identity map from the
 * TLB (its global entries would match every ASID), and record how many instructions ran from
 * _start up to and including the eret that enters it. Straight-line from the counter read to the
 * eret, so the instructions after the read are counted from their addresses. First it offers
 * the harness the boot checkpoint (trace.S: the spec's boot state, the root task's registers
 * included, before any of its instructions ran).
 */
boot_launch:
    trace_hook trace_checkpoint
    adr x1, kstate
    ldr x0, [x1, #KSTATE_CURRENT]
    pa_to_va x0, x0
    msr tpidr_el1, x0
    ldr x1, [x0, #TCB_TTBR0]
    msr ttbr0_el1, x1
    isb
    tlbi vmalle1
    dsb nsh
    isb
    adr x1, boot_stack_top
    mov sp, x1
boot_count_read:
    mrs x1, pmevcntr0_el0
    adr x2, boot_count_read
    adr x3, boot_eret
    sub x3, x3, x2
    add x1, x1, x3, lsr #2
    add x1, x1, #1
    adr x2, kstate
    str x1, [x2, #KSTATE_BOOT_INSTRUCTIONS]
    restore_user_context boot_eret

.if CONFIG_DEBUG
/*
 * boot_report: on the first kernel entry after boot, print the instruction count boot_launch
 * recorded (it could not print it itself without adding to it). Clobbers x0-x4.
 */
boot_report:
    adr x0, boot_reported
    ldr w1, [x0]
    cbnz w1, boot_report_done
    mov w1, #1
    str w1, [x0]
    frame_enter
    kputs str_boot_count
    adr x0, kstate
    ldr x0, [x0, #KSTATE_BOOT_INSTRUCTIONS]
    bl uart_putdec
    kputs str_boot_count_tail
    frame_leave
boot_report_done:
    ret
.endif
