/*
 * Macros shared by the SERVICES programs (init, the console service and its clients, which make
 * their system calls with ulib's sys): service messages (mlk.abi.services) kept in a buffer of
 * MSG_REGS words on the stack, so that a field is read and written at the offset of its register
 * (field index * 8) and no program spells which register holds which field.
 */

// msg_alloc / msg_free: a message buffer of MSG_REGS words at sp.
.macro msg_alloc
    sub sp, sp, #(MSG_REGS * 8)
.endm
.macro msg_free
    add sp, sp, #(MSG_REGS * 8)
.endm

// msg_zero: clear the message buffer at sp.
.macro msg_zero
    stp xzr, xzr, [sp]
    stp xzr, xzr, [sp, #16]
    stp xzr, xzr, [sp, #32]
.endm

// msg_store: the message registers (x2 = MR0 .. x7 = MR5) into the buffer at sp.
.macro msg_store
    stp x2, x3, [sp]
    stp x4, x5, [sp, #16]
    stp x6, x7, [sp, #32]
.endm

// msg_load: the message registers from the buffer at sp.
.macro msg_load
    ldp x2, x3, [sp]
    ldp x4, x5, [sp, #16]
    ldp x6, x7, [sp, #32]
.endm

// data_regs: \out = \first + the registers \count bytes of data take (eight bytes to a register).
.macro data_regs out, count, first
    add \out, \count, #7
    lsr \out, \out, #3
    add \out, \out, #(\first)
.endm

// length_field: x21 = a request's length field, message register \mr of the buffer, when the
// request reached it (x12 registers arrived, else branch to \truncated) and it is at most \max
// (else branch to \too_long).
.macro length_field mr, max, truncated, too_long
    ldr x21, [sp, #((\mr) * 8)]
    cmp x12, #((\mr) + 1)
    b.lo \truncated
    cmp x21, #(\max)
    b.hi \too_long
.endm
