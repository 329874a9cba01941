/*
 * The exception vector table: 16 entries of 128 bytes, 2 KiB aligned, installed in VBAR_EL1.
 *
 * Expected: synchronous exceptions and IRQs from EL0 (system calls, user faults, interrupts of a
 * user thread) and IRQs at EL1 with SP_EL1 (the idle thread, the only code that runs at EL1 with
 * IRQs unmasked). Every other entry is unexpected: it reports its index and panics.
 */

// One vector entry that panics, reporting which entry was taken.
.macro vector_panic index
    .balign 128
    msr tpidr_el1, x0
    mov x0, #\index
    b panic_exception
.endm

// One vector entry that goes to its handler.
.macro vector_to target
    .balign 128
    b \target
.endm

.balign 2048
vectors:
    vector_panic 0
    vector_panic 1
    vector_panic 2
    vector_panic 3
    vector_panic 4
    vector_to el1_irq_entry
    vector_panic 6
    vector_panic 7
    vector_to el0_sync_entry
    vector_to el0_irq_entry
    vector_panic 10
    vector_panic 11
    vector_panic 12
    vector_panic 13
    vector_panic 14
    vector_panic 15
