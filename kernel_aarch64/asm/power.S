/*
 * power_off: stop the machine with a status. In: x0 = status.
 *
 * Status 0 uses PSCI SYSTEM_OFF (hvc, or smc when the kernel was entered at EL2). A non-zero
 * status uses the semihosting SYS_EXIT call with the application-exit reason, which makes QEMU
 * exit with that status (QEMU only). First it ends the trace (CONFIG_TRACE) and keeps the
 * instructions retired since reset in KSTATE_HALT_INSTRUCTIONS. Never returns.
 */
power_off:
    trace_hook trace_end
    mrs x1, pmevcntr0_el0
    adr x2, kstate
    str x1, [x2, #KSTATE_HALT_INSTRUCTIONS]
    cbnz x0, power_off_semihost
    ldr x0, =PSCI_SYSTEM_OFF
    adr x1, boot_entered_el2
    ldr w1, [x1]
    cbnz w1, power_off_smc
    hvc #0
    b power_off_hang
power_off_smc:
    smc #0
    b power_off_hang
power_off_semihost:
    adr x1, semihost_block
    ldr x2, =SEMIHOST_APP_EXIT
    stp x2, x0, [x1]
    mov w0, #SEMIHOST_SYS_EXIT
    hlt #0xf000
power_off_hang:
    wfi
    b power_off_hang
