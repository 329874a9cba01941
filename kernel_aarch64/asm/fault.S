/*
 * user_exception: a synchronous exception from EL0 that is not a system call. In: x1 = ESR_EL1.
 * Chooses the fault kind (mlk.abi.labels.FaultLabel) and its two words (MR0, MR1) as the spec's
 * FaultEvent defines them; exception classes without a kind of their own (e.g. a trapped FP/SIMD
 * instruction, brk) count as undefined instructions.
 */
user_exception:
    ubfx x3, x1, #ESR_EC_SHIFT, #ESR_EC_WIDTH
    mrs x2, far_el1
    mov x0, #FAULT_DATA_ABORT
    cmp x3, #EC_DABT_LOWER
    b.eq user_exception_chosen
    mov x0, #FAULT_INSTRUCTION_ABORT
    cmp x3, #EC_IABT_LOWER
    b.eq user_exception_chosen
    mov x0, #FAULT_PC_ALIGNMENT
    cmp x3, #EC_PC_ALIGN
    b.eq user_exception_chosen
    mov x2, #0
    mov x0, #FAULT_SP_ALIGNMENT
    cmp x3, #EC_SP_ALIGN
    b.eq user_exception_chosen
    mov x0, #FAULT_UNDEFINED_INSTRUCTION
// The kind is chosen: record the FAULT event (a system call's fault was recorded as SYSCALL).
user_exception_chosen:
    trace_hook trace_fault

/*
 * user_fault: the current thread took a fault. In: x0 = kind, x1 = MR0, x2 = MR1.
 * Spec: mlk.model.ipc.raise_fault. No thread has a fault endpoint before issue 6 brings IPC, so
 * the thread becomes INACTIVE and the fault is forgotten. Debug builds report it on the console.
 */
user_fault:
    mrs x19, tpidr_el1
.if CONFIG_DEBUG
    mov x20, x0
    mov x21, x1
    mov x22, x2
    kputs str_fault
    va_to_pa x0, x19
    bl uart_puthex
    kputs str_fault_kind
    mov x0, x20
    bl uart_puthex
    kputs str_fault_mr0
    mov x0, x21
    bl uart_puthex
    kputs str_fault_mr1
    mov x0, x22
    bl uart_puthex
    kputs str_fault_pc
    ldr x0, [x19, #CTX_ELR_EL1]
    bl uart_puthex
    kputs str_fault_tail
.endif
    mov x0, #TS_INACTIVE
    str x0, [x19, #TCB_STATE]
    b kernel_exit
