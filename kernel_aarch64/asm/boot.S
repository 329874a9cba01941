/*
 * _start: the first instruction the CPU executes.
 *
 * Parks every CPU but the first, drops from EL2 to EL1 when entered at EL2 (remembering that, so
 * PSCI calls use smc instead of hvc), sets up the boot stack and the exception vector table,
 * then calls kmain. Runs with the MMU off.
 */
_start:
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
    bl kmain
    // kmain does not return; should it, power off with the panic status.
    mov x0, #BOOT_PANIC_STATUS
    b power_off

// Secondary CPUs wait here forever.
boot_park:
    wfe
    b boot_park
