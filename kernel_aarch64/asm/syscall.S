/*
 * The system call convention (mlk.abi.syscalls.Reg; svc #0, all other registers preserved):
 *
 *   register  REG_ name   on entry                         on return
 *   x0        CPTR/BADGE  invoked capability (CPtr);       badge of the sender, or the error
 *                         debug calls: their argument      code of an invocation
 *   x1        MSGINFO     message info (label, length,     message info of the reply/message
 *                         extra caps)
 *   x2-x7     MR0-MR5     message registers                message registers
 *   x8        SYSNO       system call number (Syscall)     preserved
 *   x9        XFER_CAP    CPtr of the capability to send   preserved
 *   x10       RECV_SLOT   CPtr of the slot that receives   preserved
 */

/*
 * handle_syscall: svc #0 from EL0 (spec: kernel.handle_syscall). The number is in the
 * saved REG_SYSNO register. Implemented so far: Yield and, in debug builds, the debug calls.
 * Every other number (including the IPC calls, which arrive with issue 6) is an unknown system
 * call: a user fault of kind FAULT_UNKNOWN_SYSCALL with the number as MR0.
 */
.equ SAVED_SYSNO, CTX_X0 + REG_SYSNO * 8
.equ SAVED_DEBUG_ARG, CTX_X0 + REG_CPTR * 8

handle_syscall:
    trace_hook trace_syscall
    mrs x19, tpidr_el1
    ldr x0, [x19, #SAVED_SYSNO]
    cmp x0, #SYS_YIELD
    b.eq sys_yield
.if CONFIG_DEBUG
    cmp x0, #SYS_DEBUG_PUTCHAR
    b.eq sys_debug_putchar
    cmp x0, #SYS_DEBUG_HALT
    b.eq sys_debug_halt
.endif
    mov x1, x0
    mov x0, #FAULT_UNKNOWN_SYSCALL
    mov x2, #0
    b user_fault

// Yield: the caller gets a full time slice and goes to the back of its priority's ready queue.
sys_yield:
    mov x0, #TIME_SLICE_TICKS
    str x0, [x19, #TCB_TIME_SLICE]
    mov x0, x19
    bl sched_append
    b kernel_exit

.if CONFIG_DEBUG
// DebugPutChar: write the low DEBUG_ARG_BITS of x0 to the console.
sys_debug_putchar:
    ldr x0, [x19, #SAVED_DEBUG_ARG]
    and x0, x0, #DEBUG_ARG_MASK
    trace_hook trace_output
    bl uart_putc
    b kernel_exit

// DebugHalt: stop the machine with the low DEBUG_ARG_BITS of x0 as the exit status.
sys_debug_halt:
    ldr x0, [x19, #SAVED_DEBUG_ARG]
    and x0, x0, #DEBUG_ARG_MASK
    trace_hook trace_halt
    b power_off
.endif
