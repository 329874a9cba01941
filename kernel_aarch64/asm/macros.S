/* Macros shared by every kernel source. */

// Push and pop the frame pointer and link register around a call.
.macro frame_enter
    stp x29, x30, [sp, #-16]!
    mov x29, sp
.endm

.macro frame_leave
    ldp x29, x30, [sp], #16
.endm

// Physical address -> the kernel window's virtual address (and back). Objects store physical
// addresses; the kernel dereferences them through its window (mlk.abi.platform.KernelWindow).
.macro pa_to_va rd, rs
    orr \rd, \rs, #KWIN_BASE
.endm

.macro va_to_pa rd, rs
    and \rd, \rs, #KWIN_PADDR_MASK
.endm

// vspace_ttbr: \rd = the TTBR0_EL1 value of the translation table at physical address \rs (a
// different register): the address with its ASID (mlk.abi.layout.VSPACE_ASID) in the ASID field.
.macro vspace_ttbr rd, rs
    ubfx \rd, \rs, #VSPACE_ASID_SHIFT, #VSPACE_ASID_WIDTH
    orr \rd, \rs, \rd, lsl #(TTBR_ASID_SHIFT)
.endm

/*
 * save_user_context: exception entry. Stores the interrupted thread's whole context (x0-x30,
 * SP_EL0, ELR_EL1, SPSR_EL1, TPIDR_EL0) into the current TCB, whose kernel virtual address
 * TPIDR_EL1 holds. The kernel stack is empty at every entry (the kernel is not preemptible), so
 * its top 16 bytes serve as scratch for x0 and x1. Leaves x0 = the current TCB.
 */
.macro save_user_context
    stp x0, x1, [sp, #-16]!
    mrs x0, tpidr_el1
    stp x2, x3, [x0, #CTX_X2]
    stp x4, x5, [x0, #CTX_X4]
    stp x6, x7, [x0, #CTX_X6]
    stp x8, x9, [x0, #CTX_X8]
    stp x10, x11, [x0, #CTX_X10]
    stp x12, x13, [x0, #CTX_X12]
    stp x14, x15, [x0, #CTX_X14]
    stp x16, x17, [x0, #CTX_X16]
    stp x18, x19, [x0, #CTX_X18]
    stp x20, x21, [x0, #CTX_X20]
    stp x22, x23, [x0, #CTX_X22]
    stp x24, x25, [x0, #CTX_X24]
    stp x26, x27, [x0, #CTX_X26]
    stp x28, x29, [x0, #CTX_X28]
    str x30, [x0, #CTX_X30]
    ldp x2, x3, [sp], #16
    stp x2, x3, [x0, #CTX_X0]
    mrs x2, sp_el0
    mrs x3, elr_el1
    stp x2, x3, [x0, #CTX_SP_EL0]
    mrs x2, spsr_el1
    mrs x3, tpidr_el0
    stp x2, x3, [x0, #CTX_SPSR_EL1]
.endm

/*
 * restore_user_context: exception exit. In: x0 = the TCB of the thread to run (kernel virtual
 * address), with TPIDR_EL1, TTBR0_EL1 and the kernel stack pointer already set for it. Loads its
 * whole context and returns to it; \eret_label names the eret (the boot path counts up to it).
 */
.macro restore_user_context eret_label
    ldp x2, x3, [x0, #CTX_SP_EL0]
    msr sp_el0, x2
    msr elr_el1, x3
    ldp x2, x3, [x0, #CTX_SPSR_EL1]
    msr spsr_el1, x2
    msr tpidr_el0, x3
    ldp x2, x3, [x0, #CTX_X2]
    ldp x4, x5, [x0, #CTX_X4]
    ldp x6, x7, [x0, #CTX_X6]
    ldp x8, x9, [x0, #CTX_X8]
    ldp x10, x11, [x0, #CTX_X10]
    ldp x12, x13, [x0, #CTX_X12]
    ldp x14, x15, [x0, #CTX_X14]
    ldp x16, x17, [x0, #CTX_X16]
    ldp x18, x19, [x0, #CTX_X18]
    ldp x20, x21, [x0, #CTX_X20]
    ldp x22, x23, [x0, #CTX_X22]
    ldp x24, x25, [x0, #CTX_X24]
    ldp x26, x27, [x0, #CTX_X26]
    ldp x28, x29, [x0, #CTX_X28]
    ldr x30, [x0, #CTX_X30]
    ldp x0, x1, [x0, #CTX_X0]
\eret_label:
    eret
.endm

// trace_hook: in a CONFIG_TRACE build, call the trace.S routine that records this point of a
// transition (it clobbers x0-x7 only, and keeps what it says it keeps); nothing otherwise.
.macro trace_hook routine
.if CONFIG_TRACE
    bl \routine
.endif
.endm

// trace_regs_written: in a CONFIG_TRACE build, note that this transition wrote the saved
// registers of the thread whose TCB (kernel virtual address) is in \reg (trace_regs_mark;
// clobbers x0-x3); nothing otherwise.
.macro trace_regs_written reg
.if CONFIG_TRACE
    mov x0, \reg
    bl trace_regs_mark
.endif
.endm

// Print a NUL-terminated string from data.S (debug builds' kernel messages).
.macro kputs label
    adr x0, \label
    bl uart_puts
.endm

// set_tstate: give the thread whose TCB is at \tcb the state \kind without data (state_obj,
// state_badge and state_flags zero, as the spec's TState of that kind); \scratch is clobbered.
.macro set_tstate tcb, kind, scratch
    mov \scratch, #\kind
    str \scratch, [\tcb, #TCB_STATE]
    stp xzr, xzr, [\tcb, #TCB_STATE_OBJ]
    str xzr, [\tcb, #TCB_STATE_FLAGS]
.endm

// clear_fault: forget the pending fault of the thread whose TCB is at \tcb.
.macro clear_fault tcb
    stp xzr, xzr, [\tcb, #TCB_FAULT_KIND]
    stp xzr, xzr, [\tcb, #TCB_FAULT_B]
.endm
