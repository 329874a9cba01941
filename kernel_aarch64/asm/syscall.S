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
 * handle_syscall: svc #0 from EL0 (spec: kernel.handle_syscall). The number is in the saved
 * REG_SYSNO register; x19 = the caller's TCB from here on. Call, Send and NBSend go to
 * sys_send_like, Recv and NBRecv to sys_recv_like; Reply and ReplyRecv first reply. An unknown
 * number (or a debug call in a non-debug build) is a user fault of kind FAULT_UNKNOWN_SYSCALL
 * with the number as MR0.
 */
.equ SAVED_SYSNO, CTX_X0 + REG_SYSNO * 8
.equ SAVED_DEBUG_ARG, CTX_X0 + REG_CPTR * 8
.equ SAVED_CPTR, CTX_X0 + REG_CPTR * 8

handle_syscall:
    trace_hook trace_syscall
    mrs x19, tpidr_el1
    ldr x0, [x19, #SAVED_SYSNO]
    mov x21, #1
    cmp x0, #SYS_CALL
    b.eq sys_send_like
    mov x21, #0
    cmp x0, #SYS_SEND
    b.eq sys_send_like
    cmp x0, #SYS_NB_SEND
    b.eq sys_send_like
    cmp x0, #SYS_RECV
    b.eq sys_recv_like
    cmp x0, #SYS_NB_RECV
    b.eq sys_recv_like
    cmp x0, #SYS_REPLY
    b.eq sys_reply
    cmp x0, #SYS_REPLY_RECV
    b.eq sys_reply
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

/*
 * sys_send_like: spec: kernel._send_like. Call (x21 = 1), Send and NBSend on the capability x0
 * names: an endpoint or notification needs WRITE (message passing is not in this kernel yet);
 * any other capability is invoked (sys_invoke). No capability, or one without the right, is a
 * capability fault.
 */
sys_send_like:
    ldr x1, [x19, #SAVED_CPTR]
    mov x0, x19
    bl cap_resolve
    cbz x0, sys_cap_fault
    mov x20, x0
    ldr x1, [x20, #SLOT_INFO]
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x2, #CAP_ENDPOINT
    b.eq sys_send_ipc
    cmp x2, #CAP_NOTIFICATION
    b.ne sys_invoke
sys_send_ipc:
    tbz x1, #(CAPINFO_RIGHTS_SHIFT + 1), sys_cap_fault
    b inv_not_implemented

/*
 * sys_recv_like: spec: kernel._recv_like. Recv and NBRecv (and ReplyRecv's receive phase) on the
 * capability x0 names: an endpoint, or a notification not bound to another thread, with READ
 * (message passing is not in this kernel yet); anything else is a capability fault.
 */
sys_recv_like:
    ldr x1, [x19, #SAVED_CPTR]
    mov x0, x19
    bl cap_resolve
    cbz x0, sys_cap_fault
    ldr x1, [x0, #SLOT_INFO]
    tbz x1, #(CAPINFO_RIGHTS_SHIFT), sys_cap_fault
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x2, #CAP_ENDPOINT
    b.eq inv_not_implemented
    cmp x2, #CAP_NOTIFICATION
    b.eq inv_not_implemented

// sys_cap_fault: spec: kernel.cap_fault. MR0 = the CPtr, MR1 = the system call number.
sys_cap_fault:
    mov x0, #FAULT_CAP_FAULT
    ldr x1, [x19, #SAVED_CPTR]
    ldr x2, [x19, #SAVED_SYSNO]
    b user_fault

/*
 * sys_reply: spec: ipc.reply. Reply (and ReplyRecv's first phase): with no thread awaiting the
 * caller's reply nothing happens (no thread can await one before message passing exists).
 */
sys_reply:
    ldr x1, [x19, #TCB_REPLY]
    cbnz x1, inv_not_implemented
    cmp x0, #SYS_REPLY_RECV
    b.eq sys_recv_like
    b kernel_exit

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
