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
 * user_fault: spec: ipc.raise_fault. The current thread took a fault. In: x0 = kind, x1 = MR0,
 * x2 = MR1. Its fault endpoint CPtr is looked up in its own CSpace now: an endpoint capability
 * with WRITE and with GRANT or GRANT_REPLY receives the fault (kind, MR0, MR1, the faulting PC)
 * as the message of a blocking Call with the capability's badge (ipc_send), and the thread awaits
 * the handler's reply. Anything else: the thread becomes INACTIVE (debug builds report it on the
 * console).
 */
user_fault:
    mrs x19, tpidr_el1
    mov x20, x0
    mov x21, x1
    mov x22, x2
    ldr x1, [x19, #TCB_FAULT_EP]
    mov x0, x19
    bl cap_resolve
    cbz x0, user_fault_stop
    ldr x1, [x0, #SLOT_INFO]
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x2, #CAP_ENDPOINT
    b.ne user_fault_stop
    tst x1, #(RIGHT_WRITE << CAPINFO_RIGHTS_SHIFT)
    b.eq user_fault_stop
    tst x1, #((RIGHT_GRANT | RIGHT_GRANT_REPLY) << CAPINFO_RIGHTS_SHIFT)
    b.eq user_fault_stop
    ldr x3, [x19, #CTX_ELR_EL1]
    stp x20, x21, [x19, #TCB_FAULT_KIND]
    stp x22, x3, [x19, #TCB_FAULT_B]
    ldr x1, [x0, #SLOT_DATA]
    ldr x0, [x0, #SLOT_OBJ]
    pa_to_va x0, x0
    mov x2, #(TSTATE_GRANT_REPLY | TSTATE_CALL)
    mov x3, #1
    bl ipc_send
    b kernel_exit

// No usable fault endpoint: the thread stops.
user_fault_stop:
.if CONFIG_DEBUG
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
    clear_fault x19
    b kernel_exit
