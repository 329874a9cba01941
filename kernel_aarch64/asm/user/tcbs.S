/*
 * The TCBS scenario: threads made from untyped memory and driven by TCB invocations, every result
 * and error code checked from user space against the spec's.
 *
 * The root task retypes three TCBs (W, V, N), a CNode and a VSpace, and checks Configure,
 * WriteRegisters, ReadRegisters, SetPriority, Suspend and Resume with their errors in the spec's
 * order; a CNode and a VSpace cannot be deleted while a thread uses them (nor a CNode that holds a
 * capability). V is destroyed while it
 * waits in a ready queue. The root task then lowers its own priority below W's, so W runs: W
 * cannot raise a thread above itself, raises the root task, reads and rewrites its x9 (which the
 * root task set to TCBS_MAGIC), suspends and resumes it, and suspends itself. The root task
 * checks its rewritten x9, resumes W, and yields: W deletes its own TCB's capability, destroying
 * itself while it runs. Last, the root task drops below N, which runs without a VSpace and is
 * stopped by an instruction abort at its first instruction; the root task resumes N below itself
 * and moves it to a lower queue before it halts. The root task prints "." per check
 * passed and halts with status 0 (or with the number of the first failing check; W's checks are
 * numbered from TCBS_W_CHECKS).
 */
.equ TCBS_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ TCBS_W, ROOT_SLOT_FREE_FIRST
.equ TCBS_V, ROOT_SLOT_FREE_FIRST + 1
.equ TCBS_N, ROOT_SLOT_FREE_FIRST + 2
.equ TCBS_SPACE_CNODE, ROOT_SLOT_FREE_FIRST + 3
.equ TCBS_SPACE_VSPACE, ROOT_SLOT_FREE_FIRST + 4
.equ TCBS_COPY, ROOT_SLOT_FREE_FIRST + 5
.equ TCBS_EMPTY, ROOT_SLOT_FREE_FIRST + 100
.equ TCBS_W_PRIORITY, 90
.equ TCBS_V_PRIORITY, 80
.equ TCBS_N_PRIORITY, 60
.equ TCBS_ROOT_LOW, 20
.equ TCBS_ROOT_LAST, 10
.equ TCBS_FAULT_EP, 7
.equ TCBS_MAGIC, 0x5a5
.equ TCBS_MAGIC2, 0xa5a
.equ TCBS_W_CHECKS, 100

.balign 8
boot_threads:
    .quad 0

// tcbs_retype: Untyped Retype of \count objects of \type (size \size) into slots \first...
.macro tcbs_retype type, size, first, count
    mov x2, #(\type)
    mov x3, #(\size)
    mov x4, #ROOT_SLOT_CNODE
    mov x5, #(\first)
    mov x6, #(\count)
    check TCBS_UNTYPED, LABEL_UNTYPED_RETYPE, 5, ERR_OK
.endm

// configure: TCB Configure of \tcb with fault endpoint \ep, CSpace \cspace and VSpace \vspace.
.macro configure tcb, ep, cspace, vspace, error
    mov x2, #(\ep)
    mov x3, #(\cspace)
    mov x4, #(\vspace)
    check \tcb, LABEL_TCB_CONFIGURE, 3, \error
.endm

// registers: TCB Read- or WriteRegisters (\label) of \tcb, first register \first, count \count,
// a message of \length registers (values in x4.. set by the caller).
.macro registers label, tcb, first, count, length, error
    mov x2, #(\first)
    mov x3, #(\count)
    check \tcb, \label, \length, \error
.endm

// priority: TCB SetPriority of \tcb to \prio.
.macro priority tcb, prio, error
    mov x2, #(\prio)
    check \tcb, LABEL_TCB_SET_PRIORITY, 1, \error
.endm

// start: give the thread in slot \tcb the root task's spaces, SP \stack and PC \entry (image
// labels), priority \prio, and resume it.
.macro start tcb, stack, entry, prio
    configure \tcb, 0, ROOT_SLOT_CNODE, ROOT_SLOT_VSPACE, ERR_OK
    adr x4, \stack
    adr x5, \entry
    registers LABEL_TCB_WRITE_REGISTERS, \tcb, CTXREG_SP, 2, 4, ERR_OK
    priority \tcb, \prio, ERR_OK
    check \tcb, LABEL_TCB_RESUME, 0, ERR_OK
.endm

root_main:
    mov x19, #0
    tcbs_retype OBJ_TCB, 0, TCBS_W, 3
    tcbs_retype OBJ_CNODE, 2, TCBS_SPACE_CNODE, 1
    tcbs_retype OBJ_VSPACE, 0, TCBS_SPACE_VSPACE, 1
    // Configure: the CSpace root is checked before the VSpace; failures change nothing.
    configure TCBS_W, TCBS_FAULT_EP, ROOT_SLOT_CNODE, ROOT_SLOT_VSPACE, ERR_OK
    configure TCBS_W, 0, TCBS_EMPTY, ROOT_SLOT_CNODE, ERR_FAILED_LOOKUP
    configure TCBS_W, 0, ROOT_SLOT_TCB, TCBS_EMPTY, ERR_INVALID_CAPABILITY
    configure TCBS_W, 0, ROOT_SLOT_CNODE, TCBS_EMPTY, ERR_FAILED_LOOKUP
    configure TCBS_W, 0, ROOT_SLOT_CNODE, ROOT_SLOT_CNODE, ERR_INVALID_CAPABILITY
    configure ROOT_SLOT_TCB, TCBS_FAULT_EP, ROOT_SLOT_CNODE, ROOT_SLOT_VSPACE, ERR_OK
    // WriteRegisters: W starts at tcbs_w on its own stack.
    adr x4, tcbs_w_stack_top
    adr x5, tcbs_w
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_W, CTXREG_SP, 2, 4, ERR_OK
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_W, CTXREG_X0, 0, 2, ERR_RANGE_ERROR
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_W, CTXREG_X0, MSG_REGS - 1, MSG_REGS, ERR_RANGE_ERROR
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_W, CTXREG_PC, 2, 4, ERR_RANGE_ERROR
    mov x2, #-1
    mov x3, #1
    check TCBS_W, LABEL_TCB_WRITE_REGISTERS, 3, ERR_RANGE_ERROR
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_W, CTXREG_X0, 3, 4, ERR_TRUNCATED_MESSAGE
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_W, CTXREG_X0, 1, 1, ERR_TRUNCATED_MESSAGE
    // ReadRegisters: SP and PC as written; x0-x5 of a new thread are zero.
    registers LABEL_TCB_READ_REGISTERS, TCBS_W, CTXREG_SP, 2, 2, ERR_OK
    adr x0, tcbs_w_stack_top
    cmp x2, x0
    b.ne u_check_failed
    adr x0, tcbs_w
    cmp x3, x0
    b.ne u_check_failed
    registers LABEL_TCB_READ_REGISTERS, TCBS_W, CTXREG_X0, MSG_REGS, 2, ERR_OK
    orr x2, x2, x3
    orr x2, x2, x4
    orr x2, x2, x5
    orr x2, x2, x6
    orr x2, x2, x7
    expect_mr0 0
    registers LABEL_TCB_READ_REGISTERS, TCBS_W, CTXREG_X0, MSG_REGS + 1, 2, ERR_RANGE_ERROR
    registers LABEL_TCB_READ_REGISTERS, TCBS_W, CTXREG_X0, 0, 2, ERR_RANGE_ERROR
    registers LABEL_TCB_READ_REGISTERS, TCBS_W, CTXREG_X8, MSG_REGS, 2, ERR_RANGE_ERROR
    mov x2, #-1
    mov x3, #2
    check TCBS_W, LABEL_TCB_READ_REGISTERS, 2, ERR_RANGE_ERROR
    registers LABEL_TCB_READ_REGISTERS, TCBS_W, CTXREG_X0, 1, 1, ERR_TRUNCATED_MESSAGE
    // The common checks on a TCB: a label of another kind, a message too short.
    check TCBS_W, LABEL_FRAME_UNMAP, 0, ERR_ILLEGAL_OPERATION
    check TCBS_W, LABEL_TCB_SET_PRIORITY, 0, ERR_TRUNCATED_MESSAGE
    // SetPriority and Resume: W waits at TCBS_W_PRIORITY; moving a queued thread, suspending
    // and resuming it, resuming a runnable thread.
    priority TCBS_W, NUM_PRIORITIES, ERR_RANGE_ERROR
    priority TCBS_W, -1, ERR_RANGE_ERROR
    priority TCBS_W, TCBS_W_PRIORITY + 1, ERR_OK
    check TCBS_W, LABEL_TCB_RESUME, 0, ERR_OK
    priority TCBS_W, TCBS_W_PRIORITY, ERR_OK
    check TCBS_W, LABEL_TCB_SUSPEND, 0, ERR_OK
    check TCBS_W, LABEL_TCB_SUSPEND, 0, ERR_OK
    check TCBS_W, LABEL_TCB_RESUME, 0, ERR_OK
    check TCBS_W, LABEL_TCB_RESUME, 0, ERR_OK
    // V is destroyed while it waits in its ready queue.
    start TCBS_V, tcbs_w_stack_top, tcbs_w, TCBS_V_PRIORITY
    mov x2, #TCBS_V
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, ERR_OK
    // A CNode or VSpace some thread uses cannot be deleted.
    configure TCBS_N, 0, TCBS_SPACE_CNODE, TCBS_SPACE_VSPACE, ERR_OK
    mov x2, #TCBS_SPACE_CNODE
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, ERR_DELETE_FIRST
    mov x2, #TCBS_SPACE_VSPACE
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, ERR_DELETE_FIRST
    configure TCBS_N, 0, ROOT_SLOT_CNODE, NULL_CPTR, ERR_OK
    mov x2, #TCBS_SPACE_VSPACE
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, ERR_OK
    // A CNode no thread uses still cannot be deleted while it holds a capability.
    mov x2, #1
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #ROOT_SLOT_TCB
    mov x5, #ALL_RIGHTS
    check TCBS_SPACE_CNODE, LABEL_CNODE_COPY, 4, ERR_OK
    mov x2, #TCBS_SPACE_CNODE
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, ERR_DELETE_FIRST
    // N runs without a VSpace once the root task gives way to it (below).
    adr x4, tcbs_w_stack_top
    adr x5, tcbs_w
    registers LABEL_TCB_WRITE_REGISTERS, TCBS_N, CTXREG_SP, 2, 4, ERR_OK
    priority TCBS_N, TCBS_N_PRIORITY, ERR_OK
    check TCBS_N, LABEL_TCB_RESUME, 0, ERR_OK
    // W runs while the root task waits below it; W rewrites the root task's x9.
    mov x9, #TCBS_MAGIC
    priority ROOT_SLOT_TCB, TCBS_ROOT_LOW, ERR_OK
    cmp x9, #TCBS_MAGIC2
    b.ne u_check_failed
    // W resumed: it destroys itself, so its capability is gone.
    check TCBS_W, LABEL_TCB_RESUME, 0, ERR_OK
    bl u_yield
    mov x2, #TCBS_COPY
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #TCBS_W
    mov x5, #ALL_RIGHTS
    check ROOT_SLOT_CNODE, LABEL_CNODE_COPY, 4, ERR_FAILED_LOOKUP
    // N runs and faults. The root task halts with N waiting below it, moved to another queue.
    priority ROOT_SLOT_TCB, TCBS_ROOT_LAST, ERR_OK
    priority TCBS_N, TCBS_ROOT_LAST - 1, ERR_OK
    check TCBS_N, LABEL_TCB_RESUME, 0, ERR_OK
    priority TCBS_N, TCBS_ROOT_LAST - 2, ERR_OK
    mov x0, #0x0a
    bl u_putchar
    mov x0, #0
    b u_halt

// tcbs_w: the thread W (see the scenario's description).
tcbs_w:
    mov x19, #TCBS_W_CHECKS
    priority TCBS_W, TCBS_W_PRIORITY + 1, ERR_ILLEGAL_OPERATION
    priority ROOT_SLOT_TCB, TCBS_W_PRIORITY + 5, ERR_ILLEGAL_OPERATION
    priority ROOT_SLOT_TCB, TCBS_W_PRIORITY, ERR_OK
    registers LABEL_TCB_READ_REGISTERS, ROOT_SLOT_TCB, CTXREG_X9, 1, 2, ERR_OK
    expect_mr0 TCBS_MAGIC
    mov x4, #TCBS_MAGIC2
    registers LABEL_TCB_WRITE_REGISTERS, ROOT_SLOT_TCB, CTXREG_X9, 1, 3, ERR_OK
    check ROOT_SLOT_TCB, LABEL_TCB_SUSPEND, 0, ERR_OK
    check ROOT_SLOT_TCB, LABEL_TCB_RESUME, 0, ERR_OK
    check TCBS_W, LABEL_TCB_SUSPEND, 0, ERR_OK
    // Resumed by the root task: delete this thread's own capability (no reply comes back).
    mov x0, #ROOT_SLOT_CNODE
    ldr x1, =((LABEL_CNODE_DELETE << MSGINFO_LABEL_SHIFT) | 1)
    mov x2, #TCBS_W
    mov x8, #SYS_CALL
    svc #0
    b u_check_failed

.balign 16
tcbs_w_stack:
    .space USER_STACK_SIZE
tcbs_w_stack_top:
