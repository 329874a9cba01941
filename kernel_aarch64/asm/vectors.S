/*
 * The exception vector table: 16 entries of 128 bytes, 2 KiB aligned, installed in VBAR_EL1.
 * Until threads exist every exception is unexpected: each entry stores its index and panics.
 */

// One vector entry that panics, reporting which entry was taken.
.macro vector_panic index
    .balign 128
    msr tpidr_el1, x0
    mov x0, #\index
    b panic_exception
.endm

.balign 2048
vectors:
    vector_panic 0
    vector_panic 1
    vector_panic 2
    vector_panic 3
    vector_panic 4
    vector_panic 5
    vector_panic 6
    vector_panic 7
    vector_panic 8
    vector_panic 9
    vector_panic 10
    vector_panic 11
    vector_panic 12
    vector_panic 13
    vector_panic 14
    vector_panic 15
