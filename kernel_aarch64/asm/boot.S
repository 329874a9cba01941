/*
 * _start: the first instruction the CPU executes.
 *
 * Starts the PMU's instruction counter (so that the boot path can be measured), parks every CPU
 * but the first, drops from EL2 to EL1 when entered at EL2 (remembering that, so PSCI calls use
 * smc instead of hvc), then, with the MMU still off: sets up the boot stack and the vector table
 * at their physical addresses, opens the trace (CONFIG_TRACE: trace.S) and runs kmain (banner and test hooks). Then it turns the MMU on,
 * continues in the high half (TTBR1) and hands over to kernel_init, which never returns.
 */
_start:
    mov x0, #PMU_EVENT_INST_RETIRED
    msr pmevtyper0_el0, x0
    mov x0, #PMU_COUNTER0
    msr pmcntenset_el0, x0
    mov x0, #PMU_PMCR_START
    msr pmcr_el0, x0
    isb
    mrs x0, mpidr_el1
    and x0, x0, #MPIDR_AFF0_MASK
    cbnz x0, boot_park
    mrs x0, CurrentEL
    cmp x0, #CURRENTEL_EL2
    b.ne boot_el1
    adr x1, boot_entered_el2
    mov w2, #1
    str w2, [x1]
    mov x0, #HCR_RW
    msr hcr_el2, x0
    mov x0, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
    msr cnthctl_el2, x0
    msr cntvoff_el2, xzr
    mov x0, #SPSR_EL1H_MASKED
    msr spsr_el2, x0
    adr x0, boot_el1
    msr elr_el2, x0
    eret

boot_el1:
    adr x0, boot_stack_top
    mov sp, x0
    adr x0, vectors
    msr vbar_el1, x0
    isb
    trace_hook trace_boot
    bl kmain
    bl mmu_enable
    adr x0, boot_high
    pa_to_va x0, x0
    br x0

// From here on the kernel runs at its window addresses: adr yields virtual addresses.
boot_high:
    adr x0, boot_stack_top
    mov sp, x0
    adr x0, vectors
    msr vbar_el1, x0
    adr x0, console_base
    ldr x1, [x0]
    pa_to_va x1, x1
    str x1, [x0]
    isb
    b kernel_init

// Secondary CPUs wait here forever.
boot_park:
    wfe
    b boot_park
