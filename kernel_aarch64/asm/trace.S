/*
 * The refinement trace (CONFIG_TRACE builds; record layouts in mlk.abi.trace, the design in
 * refinement/README.md). For every transition the kernel writes exactly the records
 * mlk.refinement.spec_trace defines for the spec's step: the event record once the entering
 * thread's context is saved, one OUTPUT per debug-console byte, then HALT or SCHED; BOOT comes
 * first and END (record count and checksum) last, also on a panic.
 *
 * Each record is staged in trace_buf, numbered, stamped with CNTVCT_EL0, folded into the running
 * checksum (rotate left by one, XOR each 64-bit word: mlk.abi.trace.checksum_step) and appended to
 * the host file trace.bin with semihosting SYS_WRITE, which is synchronous: a hang or a panic
 * loses no record that was written. The routines clobber x0-x7 only; those that keep x0 (or
 * x0-x2) say so. They are reached through the trace_hook macro, which is empty without
 * CONFIG_TRACE.
 */

/*
 * trace_boot: spec: mlk.model.boot.boot's Machine. Opens trace.bin and writes the BOOT record:
 * the build id, the format version and the machine the kernel really booted on, field for field
 * the spec's Machine (the checker boots the spec from it). Runs once, from _start, with the MMU
 * off: adr yields physical addresses. If the file cannot be opened the kernel stops with
 * BOOT_PANIC_STATUS rather than run unobserved. Then it opens the checkpoint channel
 * (mlk.abi.trace.CHECKPOINT_IN and CHECKPOINT_OUT) if a harness provides one: modes that never
 * create a file, and the same instructions whether or not the pipes are there.
 */
trace_boot:
    frame_enter
    adr x0, trace_file_name
    mov x2, #SEMIHOST_OPEN_WB
    mov x3, #TRACE_SINK_NAME_LENGTH
    bl trace_open
    cmn x0, #1
    b.eq trace_boot_failed
    adr x1, trace_fd
    str x0, [x1]
    adr x0, ckpt_in_name
    mov x2, #SEMIHOST_OPEN_RB
    mov x3, #CKPT_IN_NAME_LENGTH
    bl trace_open
    adr x1, ckpt_fds
    str x0, [x1]
    adr x0, ckpt_out_name
    mov x2, #SEMIHOST_OPEN_RPLUSB
    mov x3, #CKPT_OUT_NAME_LENGTH
    bl trace_open
    adr x1, ckpt_fds
    str x0, [x1, #8]
    mov x0, #1
    adr x1, trace_active
    str x0, [x1]
    adr x2, trace_buf
    adr x0, mlk_build_id_word
    ldr x0, [x0]
    mov x1, #TRACE_ABI_VERSION
    stp x0, x1, [x2, #TRACE_BOOT_BUILD_ID]
    ldr x0, =RAM_BASE
    ldr x1, =RAM_SIZE
    stp x0, x1, [x2, #TRACE_BOOT_RAM_BASE]
    adr x0, _start
    adr x1, root_image_start
    sub x1, x1, x0
    stp x0, x1, [x2, #TRACE_BOOT_KERNEL_BASE]
    adr x0, idle_tcb
    adr x1, console_base
    ldr x1, [x1]
    stp x0, x1, [x2, #TRACE_BOOT_IDLE_TCB]
    mov x0, #UART0_IRQ
    mov x1, #TIMER_IRQ
    stp x0, x1, [x2, #TRACE_BOOT_CONSOLE_IRQ]
    ldr x0, =GICD_BASE
    ldr w0, [x0, #GICD_TYPER]
    and x0, x0, #GICD_TYPER_LINES_MASK
    add x0, x0, #1
    mov x1, #GICD_IRQS_PER_REG
    mul x0, x0, x1
    adr x1, root_image_start
    adr x3, root_image_end
    sub x1, x3, x1
    lsr x1, x1, #PAGE_BITS
    stp x0, x1, [x2, #TRACE_BOOT_IRQ_LINES]
    mov x0, #CONFIG_DEBUG
    str x0, [x2, #TRACE_BOOT_DEBUG]
    mov x0, #TRACE_BOOT
    mov x1, #TRACE_BOOT_SIZE
    bl trace_write
    frame_leave
    ret

trace_boot_failed:
    kputs str_trace_open_failed
    mov x0, #BOOT_PANIC_STATUS
    b power_off

// trace_open: semihosting SYS_OPEN of the name at x0 (x3 bytes long) in mode x2; x0 = the
// handle, or -1.
trace_open:
    adr x1, trace_semihost
    stp x0, x2, [x1, #SEMIHOST_OPEN_NAME]
    str x3, [x1, #SEMIHOST_OPEN_LENGTH]
    mov w0, #SEMIHOST_SYS_OPEN
    hlt #0xf000
    ret

/*
 * trace_syscall: spec: spec_trace.event_record of a SyscallEvent. The SYSCALL record of the
 * current thread, whose registers exception entry has saved.
 */
trace_syscall:
    mov x1, #TRACE_SYSCALL
    mov x2, #TRACE_SYSCALL_SIZE
    mov x3, #TRACE_SYSCALL_THREAD
    mov x4, #TRACE_SYSCALL_R0
    b trace_event

/*
 * trace_tick: spec: spec_trace.event_record of a TickEvent. The TICK record of the interrupted
 * thread (the idle thread too: the checker then ignores the registers, as the spec does).
 */
trace_tick:
    mov x1, #TRACE_TICK
    mov x2, #TRACE_TICK_SIZE
    mov x3, #TRACE_TICK_THREAD
    mov x4, #TRACE_TICK_R0
    b trace_event

/*
 * trace_irq: spec: spec_trace.event_record of an IrqEvent. In: x0 = the interrupt line.
 */
trace_irq:
    adr x1, trace_buf
    str x0, [x1, #TRACE_IRQ_IRQ]
    mov x1, #TRACE_IRQ
    mov x2, #TRACE_IRQ_SIZE
    mov x3, #TRACE_IRQ_THREAD
    mov x4, #TRACE_IRQ_R0
    b trace_event

/*
 * trace_fault: spec: spec_trace.event_record of a FaultEvent. In: x0 = kind, x1 = MR0 (the
 * event's esr word), x2 = MR1 (its far word), as user_fault takes them; keeps x0-x2.
 */
trace_fault:
    adr x3, trace_buf
    stp x0, x1, [x3, #TRACE_FAULT_KIND]
    str x2, [x3, #TRACE_FAULT_FAR]
    frame_enter
    mov x1, #TRACE_FAULT
    mov x2, #TRACE_FAULT_SIZE
    mov x3, #TRACE_FAULT_THREAD
    mov x4, #TRACE_FAULT_R0
    bl trace_event
    frame_leave
    adr x3, trace_buf
    ldp x0, x1, [x3, #TRACE_FAULT_KIND]
    ldr x2, [x3, #TRACE_FAULT_FAR]
    ret

/*
 * trace_event: an event record of type x1, x2 bytes long, for the current thread (TPIDR_EL1):
 * its physical address at offset x3 and its 13 modelled registers (x0-x10, SP, PC:
 * mlk.abi.syscalls.ContextReg) from offset x4, in the order of the SYSCALL record's r0-r12.
 */
.equ TRACE_CTX_REG, TRACE_SYSCALL_R1 - TRACE_SYSCALL_R0
// Most threads whose registers one transition writes (ReplyRecv: the caller, the replied-to
// thread and a sender; with a margin).
.equ TRACE_REGS_MAX, 6

trace_event:
    mrs x0, tpidr_el1

// trace_ctx_record: as trace_event, for the thread whose TCB (kernel virtual address) is in x0.
trace_ctx_record:
    adr x5, trace_buf
    va_to_pa x6, x0
    str x6, [x5, x3]
    add x5, x5, x4
    ldp x6, x7, [x0, #CTX_X0]
    stp x6, x7, [x5]
    ldp x6, x7, [x0, #CTX_X2]
    stp x6, x7, [x5, #(2 * TRACE_CTX_REG)]
    ldp x6, x7, [x0, #CTX_X4]
    stp x6, x7, [x5, #(4 * TRACE_CTX_REG)]
    ldp x6, x7, [x0, #CTX_X6]
    stp x6, x7, [x5, #(6 * TRACE_CTX_REG)]
    ldp x6, x7, [x0, #CTX_X8]
    stp x6, x7, [x5, #(8 * TRACE_CTX_REG)]
    ldr x6, [x0, #CTX_X10]
    str x6, [x5, #(10 * TRACE_CTX_REG)]
    ldp x6, x7, [x0, #CTX_SP_EL0]
    stp x6, x7, [x5, #(11 * TRACE_CTX_REG)]
    mov x0, x1
    mov x1, x2
    b trace_write

/*
 * trace_output: spec: spec_trace.result_records (OUTPUT). In: x0 = the byte the debug console
 * prints; keeps x0.
 */
trace_output:
    mov x1, #TRACE_OUTPUT
    mov x2, #TRACE_OUTPUT_SIZE
    mov x3, #TRACE_OUTPUT_BYTE
    b trace_word

/*
 * trace_halt: spec: spec_trace.result_records (HALT). In: x0 = the halt status; keeps x0.
 */
trace_halt:
    mov x1, #TRACE_HALT
    mov x2, #TRACE_HALT_SIZE
    mov x3, #TRACE_HALT_STATUS
    b trace_word

/*
 * trace_regs_mark: spec: spec_trace.result_records (REGS). The transition wrote the saved
 * registers of the thread whose TCB (kernel virtual address) is in x0: note it once in
 * trace_regs_list, so that trace_sched writes its REGS record (with the registers as they are at
 * the end of the transition) before SCHED. Clobbers x0-x3 only. More than TRACE_REGS_MAX threads
 * in one transition is a kernel bug: the kernel panics rather than write an incomplete trace.
 */
trace_regs_mark:
    va_to_pa x0, x0
    adr x1, trace_regs_list
    ldr x2, [x1], #8
trace_regs_seek:
    cbz x2, trace_regs_add
    ldr x3, [x1], #8
    cmp x3, x0
    b.eq trace_regs_known
    sub x2, x2, #1
    b trace_regs_seek
trace_regs_add:
    str x0, [x1]
    adr x1, trace_regs_list
    ldr x2, [x1]
    add x2, x2, #1
    cmp x2, #TRACE_REGS_MAX
    b.hi trace_regs_overflow
    str x2, [x1]
trace_regs_known:
    ret

trace_regs_overflow:
    kputs str_trace_regs_overflow
    mov x0, #BOOT_PANIC_STATUS
    b power_off

/*
 * trace_sched: spec: spec_trace.result_records (REGS, SCHED). First a REGS record for each thread
 * trace_regs_mark noted (then the list is emptied), then SCHED: the thread the kernel returns to,
 * the current thread after the scheduling decision.
 */
trace_sched:
    frame_enter
    stp x19, x20, [sp, #-16]!
    adr x19, trace_regs_list
    ldr x20, [x19]
    str xzr, [x19], #8
trace_sched_regs:
    cbz x20, trace_sched_regs_done
    ldr x0, [x19], #8
    pa_to_va x0, x0
    mov x1, #TRACE_REGS
    mov x2, #TRACE_REGS_SIZE
    mov x3, #TRACE_REGS_THREAD
    mov x4, #TRACE_REGS_R0
    bl trace_ctx_record
    sub x20, x20, #1
    b trace_sched_regs
trace_sched_regs_done:
    ldp x19, x20, [sp], #16
    frame_leave
    adr x0, kstate
    ldr x0, [x0, #KSTATE_CURRENT]
    mov x1, #TRACE_SCHED
    mov x2, #TRACE_SCHED_SIZE
    mov x3, #TRACE_SCHED_RUNNING
    b trace_word

/*
 * trace_checkpoint: spec: none (the harness's checkpoint, mlk.abi.trace.CHECKPOINT_IN). Called
 * at every record boundary where the kernel's objects are exactly the spec's state: at the end
 * of each transition (after SCHED), and at boot just before the root task is entered. Counts
 * the order's countdown down; a checkpoint is due when it reaches zero, when the next record's
 * number reaches the order's seq, or when a thread asked for one (DebugCheckpoint). Then it
 * writes the notice (that number, and whether it was asked for) to the channel and waits in
 * SYS_READ for the harness's next order, which the harness writes once it has copied kernel
 * memory. Branch-free: when nothing is due both calls transfer zero bytes, so the kernel runs
 * the same instructions with and without checkpoints (and without a channel: both calls then
 * fail on handle -1). Clobbers x0-x7.
 */
trace_checkpoint:
    adr x0, ckpt_order
    ldp x1, x2, [x0, #CKPT_ORDER_COUNTDOWN]
    sub x1, x1, #1
    str x1, [x0, #CKPT_ORDER_COUNTDOWN]
    adr x3, trace_seq
    ldr x3, [x3]
    adr x6, ckpt_notice
    stp x3, x1, [x6, #CKPT_NOTICE_SEQ]
    ldr x5, [x6, #CKPT_NOTICE_REQUESTED]
    cmp x3, x2
    ccmp x1, #0, #NZCV_Z, lo
    cset x4, eq
    cmp x5, #0
    csinc x4, x4, xzr, eq
    adr x0, ckpt_fds
    ldr x0, [x0, #8]
    mov x1, #CKPT_NOTICE_SIZE
    mul x7, x4, x1
    adr x1, trace_semihost
    stp x0, x6, [x1, #SEMIHOST_WRITE_HANDLE]
    str x7, [x1, #SEMIHOST_WRITE_LENGTH]
    mov w0, #SEMIHOST_SYS_WRITE
    hlt #0xf000
    adr x6, ckpt_notice
    str xzr, [x6, #CKPT_NOTICE_REQUESTED]
    adr x0, ckpt_fds
    ldr x0, [x0]
    adr x2, ckpt_order
    mov x1, #CKPT_ORDER_SIZE
    mul x7, x4, x1
    adr x1, trace_semihost
    stp x0, x2, [x1, #SEMIHOST_WRITE_HANDLE]
    str x7, [x1, #SEMIHOST_WRITE_LENGTH]
    mov w0, #SEMIHOST_SYS_READ
    hlt #0xf000
    ret

// trace_checkpoint_request: make a checkpoint due at the next trace_checkpoint (DebugCheckpoint).
trace_checkpoint_request:
    adr x0, ckpt_notice
    mov x1, #1
    str x1, [x0, #CKPT_NOTICE_REQUESTED]
    ret

// trace_word: a record of type x1, x2 bytes long, whose one field, at offset x3, is x0; keeps x0.
trace_word:
    adr x4, trace_buf
    str x0, [x4, x3]
    frame_enter
    str x3, [sp, #-16]!
    mov x0, x1
    mov x1, x2
    bl trace_write
    ldr x3, [sp], #16
    adr x4, trace_buf
    ldr x0, [x4, x3]
    frame_leave
    ret

/*
 * trace_end: spec: the END record of mlk.abi.trace. Writes END (the number of records before it
 * and the checksum of every word before its count field) once, if the trace was opened; called
 * by power_off, so on a halt, a panic and every other way the machine stops. Keeps x0.
 */
trace_end:
    adr x1, trace_active
    ldr x2, [x1]
    cbz x2, trace_end_done
    str xzr, [x1]
    frame_enter
    str x0, [sp, #-16]!
    mov x0, #TRACE_END
    mov x1, #TRACE_END_SIZE
    bl trace_write
    ldr x0, [sp], #16
    frame_leave
trace_end_done:
    ret

/*
 * trace_write: number the record staged in trace_buf (type x0, x1 bytes long), stamp it with
 * CNTVCT_EL0, fold its words into the running checksum and append it to trace.bin. For END only
 * the words before its count field are folded; then the count (its own sequence number) and the
 * checksum are filled in.
 */
trace_write:
    adr x2, trace_buf
    orr x3, x0, x1, lsl #32
    adr x4, trace_seq
    ldp x5, x6, [x4]
    mrs x7, cntvct_el0
    stp x3, x5, [x2, #TRACE_HEADER_TYPE]
    str x7, [x2, #TRACE_HEADER_TIME]
    add x7, x2, x1
    cmp x0, #TRACE_END
    b.ne trace_write_fold
    add x7, x2, #TRACE_END_COUNT
trace_write_fold:
    mov x3, x2
trace_write_word:
    ldr x0, [x3], #8
    ror x6, x6, #63
    eor x6, x6, x0
    cmp x3, x7
    b.ne trace_write_word
    add x0, x2, x1
    cmp x0, x7
    b.eq trace_write_out
    stp x5, x6, [x7]
trace_write_out:
    add x5, x5, #1
    stp x5, x6, [x4]
    adr x3, trace_semihost
    adr x0, trace_fd
    ldr x0, [x0]
    stp x0, x2, [x3, #SEMIHOST_WRITE_HANDLE]
    str x1, [x3, #SEMIHOST_WRITE_LENGTH]
    mov x1, x3
    mov w0, #SEMIHOST_SYS_WRITE
    hlt #0xf000
    ret

.balign 8
// 1 while trace.bin is open (from trace_boot until END is written).
trace_active:   .quad 0
// The semihosting handle of trace.bin.
trace_fd:       .quad 0
// The next record's sequence number and the running checksum (read and written as a pair).
trace_seq:      .quad 0, 0
// The checkpoint channel's handles (CHECKPOINT_IN, CHECKPOINT_OUT; -1: no channel), the order
// (CKPT_ORDER: the first one makes the boot checkpoint due) and the notice (CKPT_NOTICE).
ckpt_fds:       .quad -1, -1
ckpt_order:     .quad 1, -1
ckpt_notice:    .quad 0, 0, 0
// The parameter block of the SYS_OPEN and SYS_WRITE calls.
trace_semihost: .space SEMIHOST_WRITE_SIZE
// The threads whose registers the current transition wrote: a count, then their TCBs (PA).
trace_regs_list: .space 8 * (TRACE_REGS_MAX + 1)
// The record being written.
trace_buf:      .space TRACE_RECORD_MAX_SIZE
trace_file_name: .asciz "trace.bin"
ckpt_in_name:   .asciz "checkpoint.in"
ckpt_out_name:  .asciz "checkpoint.out"
str_trace_regs_overflow: .asciz "[mlk] trace: one transition wrote the registers of too many threads\n"
str_trace_open_failed: .asciz "[mlk] trace: cannot open trace.bin through semihosting\n"
.balign 8
