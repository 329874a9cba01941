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
 * REG_SYSNO register; x19 = the caller's TCB from here on. Call and ReplyRecv try their fast
 * paths first (fastpath.S, in CONFIG_FASTPATH builds). Call, Send and NBSend go to
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
.if CONFIG_FASTPATH
    cmp x0, #SYS_CALL
    b.eq fastpath_call
    cmp x0, #SYS_REPLY_RECV
    b.eq fastpath_reply_recv
.endif
// syscall_dispatch: the slow path of every system call (x0 = its number).
syscall_dispatch:
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
    cmp x0, #SYS_DEBUG_CHECKPOINT
    b.eq sys_debug_checkpoint
.endif
    mov x1, x0
    mov x0, #FAULT_UNKNOWN_SYSCALL
    mov x2, #0
    b user_fault

/*
 * sys_send_like: spec: kernel._send_like. Call (x21 = 1), Send and NBSend on the capability x0
 * names: an endpoint with WRITE sends (ipc_send; Call waits for the reply, NBSend never blocks);
 * a notification with WRITE is signalled with the capability's badge (ntfn_signal; a Call then
 * gets an empty OK reply); any other capability is invoked (sys_invoke). No capability, or an
 * endpoint or notification without WRITE, is a capability fault.
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
    tst x1, #(RIGHT_WRITE << CAPINFO_RIGHTS_SHIFT)
    b.eq sys_cap_fault
    ldr x0, [x20, #SLOT_OBJ]
    pa_to_va x0, x0
    ldr x1, [x20, #SLOT_DATA]
    bl ntfn_signal
    mov x0, #ERR_OK
    mov x1, #0
    b inv_reply

// sys_send_ipc: an endpoint: the send's flags from the capability's rights and the call.
sys_send_ipc:
    tst x1, #(RIGHT_WRITE << CAPINFO_RIGHTS_SHIFT)
    b.eq sys_cap_fault
    mov x2, #0
    tst x1, #(RIGHT_GRANT << CAPINFO_RIGHTS_SHIFT)
    orr x3, x2, #TSTATE_GRANT
    csel x2, x3, x2, ne
    tst x1, #(RIGHT_GRANT_REPLY << CAPINFO_RIGHTS_SHIFT)
    orr x3, x2, #TSTATE_GRANT_REPLY
    csel x2, x3, x2, ne
    orr x3, x2, #TSTATE_CALL
    cmp x21, #0
    csel x2, x3, x2, ne
    ldr x3, [x19, #SAVED_SYSNO]
    cmp x3, #SYS_NB_SEND
    cset x3, ne
    ldr x0, [x20, #SLOT_OBJ]
    pa_to_va x0, x0
    ldr x1, [x20, #SLOT_DATA]
    bl ipc_send
    b kernel_exit

/*
 * sys_recv_like: spec: kernel._recv_like. Recv and NBRecv (and ReplyRecv's receive phase) on the
 * capability x0 names, which needs READ: an endpoint receives (ipc_receive); a notification not
 * bound to another thread is waited on or polled (ntfn_wait); anything else is a capability
 * fault. Recv and ReplyRecv block, NBRecv does not.
 */
sys_recv_like:
    ldr x1, [x19, #SAVED_CPTR]
    mov x0, x19
    bl cap_resolve
    cbz x0, sys_cap_fault
    ldr x1, [x0, #SLOT_INFO]
    tst x1, #(RIGHT_READ << CAPINFO_RIGHTS_SHIFT)
    b.eq sys_cap_fault
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    ldr x0, [x0, #SLOT_OBJ]
    pa_to_va x0, x0
    ldr x3, [x19, #SAVED_SYSNO]
    cmp x3, #SYS_NB_RECV
    cset x1, ne
    cmp x2, #CAP_ENDPOINT
    b.eq sys_recv_endpoint
    cmp x2, #CAP_NOTIFICATION
    b.ne sys_cap_fault
    ldr x3, [x0, #NTFN_BOUND]
    cbz x3, sys_recv_wait
    va_to_pa x4, x19
    cmp x3, x4
    b.ne sys_cap_fault
sys_recv_wait:
    bl ntfn_wait
    b kernel_exit
sys_recv_endpoint:
    bl ipc_receive
    b kernel_exit

// sys_cap_fault: spec: kernel.cap_fault. MR0 = the CPtr, MR1 = the system call number.
sys_cap_fault:
    mov x0, #FAULT_CAP_FAULT
    ldr x1, [x19, #SAVED_CPTR]
    ldr x2, [x19, #SAVED_SYSNO]
    b user_fault

/*
 * sys_reply: spec: ipc.reply. Reply, and ReplyRecv's first phase (then its receive phase).
 */
sys_reply:
    bl ipc_reply
    ldr x0, [x19, #SAVED_SYSNO]
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

// DebugCheckpoint: spec: kernel.handle_syscall. Nothing changes; a trace build asks the harness
// for a memory checkpoint at the end of this transition (trace_checkpoint_request).
sys_debug_checkpoint:
    trace_hook trace_checkpoint_request
    b kernel_exit
.endif
