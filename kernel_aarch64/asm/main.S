/*
 * kmain: the kernel's main line after boot. Prints the banner with the build id, runs the test
 * hook of a test build, then powers off with status 0.
 */
kmain:
    adr x0, str_hello
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
    mov x0, #0
    b power_off
