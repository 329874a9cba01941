/*
 * boot_root_task: spec: the boot state. Creates the root task from the root image at the end of
 * the kernel image, and, in a test scenario, the scenario's further threads.
 *
 * The boot objects (mlk.abi.layout.BootObject) are placed at the first BOOT_OBJECTS_ALIGN
 * boundary after the root image and zeroed: the root CNode, the VSpace and the three page tables
 * that map the image's frames at ROOT_IMAGE_VADDR (read/write/execute at EL0), then the TCBs.
 * The root CNode receives the capabilities of mlk.abi.objects.RootSlot (untyped capabilities are
 * not created yet). A test scenario's further threads are described by the entries of the
 * image's boot_threads table (BOOT_THREAD layout): entry point, stack top (both image labels),
 * priority and how it starts (BOOT_START_*); all run in the root task's CSpace and VSpace.
 */
.equ PT_INDEX_MASK, (1 << PT_INDEX_BITS) - 1
.equ ROOT_L0_INDEX, (ROOT_IMAGE_VADDR >> (PAGE_BITS + 3 * PT_INDEX_BITS)) & PT_INDEX_MASK
.equ ROOT_L1_INDEX, (ROOT_IMAGE_VADDR >> (PAGE_BITS + 2 * PT_INDEX_BITS)) & PT_INDEX_MASK
.equ ROOT_L2_INDEX, (ROOT_IMAGE_VADDR >> (PAGE_BITS + PT_INDEX_BITS)) & PT_INDEX_MASK
.equ ROOT_L3_INDEX, (ROOT_IMAGE_VADDR >> PAGE_BITS) & PT_INDEX_MASK
.equ CAP_ORIGINAL, ALL_RIGHTS << CAPINFO_RIGHTS_SHIFT
.equ CAP_MAPPED_FLAG, 1 << CAPINFO_MAPPED_SHIFT

// Register roles in boot_root_task.
//   x19 root image PA (its link address too), x20 its end, x21 boot objects PA,
//   x22 CNode VA, x23 VSpace PA, x24 the VSpace's CAPINFO_MAPPED_VSPACE bits

boot_root_task:
    frame_enter
    stp x19, x20, [sp, #-16]!
    stp x21, x22, [sp, #-16]!
    stp x23, x24, [sp, #-16]!
    stp x25, x26, [sp, #-16]!
    adr x19, root_image_start
    va_to_pa x19, x19
    adr x20, root_image_end
    va_to_pa x20, x20
    sub x0, x20, x19
    cmp x0, #(ROOT_IMAGE_MAX_PAGES << PAGE_BITS)
    b.hi boot_image_too_large
    ldr x1, =(BOOT_OBJECTS_ALIGN - 1)
    add x21, x20, x1
    bic x21, x21, x1
    pa_to_va x0, x21
    ldr x1, =BOOTOBJ_END
    bl kzero
    pa_to_va x22, x21
    ldr x0, =BOOTOBJ_VSPACE
    add x23, x21, x0
    lsr x24, x23, #PAGE_BITS
    lsl x24, x24, #CAPINFO_MAPPED_VSPACE_SHIFT

    // The page tables: VSpace -> L1 -> L2 -> L3 along ROOT_IMAGE_VADDR.
    ldr x0, =BOOTOBJ_PT_L1
    add x0, x21, x0
    orr x1, x0, #PTE_TABLE
    pa_to_va x2, x23
    str x1, [x2, #(ROOT_L0_INDEX << PTE_SIZE_LOG2)]
    ldr x1, =BOOTOBJ_PT_L2
    add x1, x21, x1
    orr x2, x1, #PTE_TABLE
    pa_to_va x3, x0
    str x2, [x3, #(ROOT_L1_INDEX << PTE_SIZE_LOG2)]
    ldr x0, =BOOTOBJ_PT_L3
    add x0, x21, x0
    orr x2, x0, #PTE_TABLE
    pa_to_va x3, x1
    str x2, [x3, #(ROOT_L2_INDEX << PTE_SIZE_LOG2)]

    // Capabilities to the CNode itself, the VSpace, IRQ control, the console frame, the tables.
    mov x0, #ROOT_SLOT_CNODE
    ldr x1, =(CAP_CNODE | CAP_ORIGINAL | (ROOT_CNODE_RADIX << CAPINFO_SIZE_BITS_SHIFT))
    mov x2, x21
    mov x3, #0
    bl boot_cap
    mov x0, #ROOT_SLOT_VSPACE
    ldr x1, =(CAP_VSPACE | CAP_ORIGINAL)
    mov x2, x23
    mov x3, #0
    bl boot_cap
    mov x0, #ROOT_SLOT_IRQ_CONTROL
    ldr x1, =(CAP_IRQ_CONTROL | CAP_ORIGINAL)
    mov x2, #0
    mov x3, #0
    bl boot_cap
    mov x0, #ROOT_SLOT_CONSOLE_FRAME
    ldr x1, =(CAP_FRAME | CAP_ORIGINAL)
    ldr x2, =UART0_BASE
    mov x3, #0
    bl boot_cap
    mov x0, #ROOT_SLOT_PAGE_TABLE_L1
    ldr x2, =BOOTOBJ_PT_L1
    ldr x3, =(ROOT_IMAGE_VADDR & ~((1 << (PAGE_BITS + 3 * PT_INDEX_BITS)) - 1))
    bl boot_table_cap
    mov x0, #ROOT_SLOT_PAGE_TABLE_L2
    ldr x2, =BOOTOBJ_PT_L2
    ldr x3, =(ROOT_IMAGE_VADDR & ~((1 << (PAGE_BITS + 2 * PT_INDEX_BITS)) - 1))
    bl boot_table_cap
    mov x0, #ROOT_SLOT_PAGE_TABLE_L3
    ldr x2, =BOOTOBJ_PT_L3
    ldr x3, =(ROOT_IMAGE_VADDR & ~((1 << (PAGE_BITS + PT_INDEX_BITS)) - 1))
    bl boot_table_cap

    // The image frames: mapped in order from ROOT_IMAGE_VADDR, capabilities from IMAGE_FIRST.
    ldr x0, =BOOTOBJ_PT_L3
    add x0, x21, x0
    pa_to_va x25, x0
    add x25, x25, #(ROOT_L3_INDEX << PTE_SIZE_LOG2)
    mov x26, #0
boot_map_image:
    lsl x2, x26, #PAGE_BITS
    add x2, x19, x2
    cmp x2, x20
    b.hs boot_map_done
    ldr x1, =PTE_USER_RWX
    orr x1, x1, x2
    str x1, [x25, x26, lsl #(PTE_SIZE_LOG2)]
    add x0, x26, #ROOT_SLOT_IMAGE_FIRST
    ldr x1, =(CAP_FRAME | CAP_ORIGINAL | CAP_MAPPED_FLAG)
    orr x1, x1, x24
    ldr x3, =ROOT_IMAGE_VADDR
    add x3, x3, x26, lsl #(PAGE_BITS)
    bl boot_cap
    add x26, x26, #1
    b boot_map_image
boot_map_done:
    dsb ish
    bl boot_untyped
    bl boot_threads_create
    ldp x25, x26, [sp], #16
    ldp x23, x24, [sp], #16
    ldp x21, x22, [sp], #16
    ldp x19, x20, [sp], #16
    frame_leave
    ret

/*
 * boot_untyped: spec: boot.untyped_blocks. The untyped capabilities of the root task, from slot
 * ROOT_SLOT_UNTYPED_FIRST: the RAM below the kernel, then the RAM above the last boot TCB (the
 * root task's, where the spec's boot objects end, or a test scenario's last further thread: no
 * untyped region covers a boot thread, so a scenario may retype any of them), each range cut into
 * the largest naturally aligned blocks of 2**UNTYPED_MIN_BITS .. 2**UNTYPED_MAX_BITS bytes, at
 * most ROOT_MAX_UNTYPED in all. Leaves the number of capabilities in boot_untyped_count.
 */
boot_untyped:
    frame_enter
    stp x25, x26, [sp, #-16]!
    mov x25, #ROOT_SLOT_UNTYPED_FIRST
    ldr x0, =RAM_BASE
    adr x1, _start
    va_to_pa x1, x1
    bl boot_untyped_range
    adr x0, boot_threads
    ldr x0, [x0]
    add x0, x0, #1
    lsl x0, x0, #(TCB_SIZE_BITS)
    ldr x1, =BOOTOBJ_TCBS
    add x0, x0, x1
    add x0, x21, x0
    ldr x1, =(RAM_BASE + RAM_SIZE)
    bl boot_untyped_range
    sub x0, x25, #ROOT_SLOT_UNTYPED_FIRST
    adr x1, boot_untyped_count
    str x0, [x1]
    ldp x25, x26, [sp], #16
    frame_leave
    ret

// boot_untyped_range: cut [x0, x1) into blocks (see boot_untyped); x25 = the next slot.
boot_untyped_range:
    frame_enter
    stp x19, x20, [sp, #-16]!
    add x19, x0, #((1 << UNTYPED_MIN_BITS) - 1)
    and x19, x19, #~((1 << UNTYPED_MIN_BITS) - 1)
    mov x20, x1
boot_untyped_block:
    cmp x25, #(ROOT_SLOT_UNTYPED_FIRST + ROOT_MAX_UNTYPED)
    b.hs boot_untyped_range_done
    add x0, x19, #(1 << UNTYPED_MIN_BITS)
    cmp x0, x20
    b.hi boot_untyped_range_done
    // bits = min(UNTYPED_MAX_BITS, trailing zeros of the address, log2 of the room left)
    rbit x1, x19
    clz x1, x1
    sub x0, x20, x19
    clz x0, x0
    mov x2, #63
    sub x0, x2, x0
    cmp x0, x1
    csel x1, x0, x1, lo
    cmp x1, #UNTYPED_MAX_BITS
    mov x2, #UNTYPED_MAX_BITS
    csel x26, x2, x1, hi
    mov x0, x25
    ldr x1, =(CAP_UNTYPED | CAP_ORIGINAL)
    orr x1, x1, x26, lsl #(CAPINFO_SIZE_BITS_SHIFT)
    mov x2, x19
    mov x3, #0
    bl boot_cap
    mov x0, #1
    lsl x0, x0, x26
    add x19, x19, x0
    add x25, x25, #1
    b boot_untyped_block
boot_untyped_range_done:
    ldp x19, x20, [sp], #16
    frame_leave
    ret

/*
 * boot_threads_create: the root task's thread (spec: PC at ROOT_IMAGE_VADDR, SP at the top of
 * the image, x1 = the number of image frames, x0 = the number of untyped capabilities; priority
 * ROOT_PRIORITY; runnable), then one TCB per boot_threads entry.
 * Uses boot_root_task's registers x19-x24; clobbers x25, x26 and x8 (which sched_append leaves).
 */
boot_threads_create:
    frame_enter
    ldr x26, =BOOTOBJ_TCBS
    add x26, x21, x26
    mov x0, #ROOT_SLOT_TCB
    ldr x1, =(CAP_TCB | CAP_ORIGINAL)
    mov x2, x26
    mov x3, #0
    bl boot_cap
    ldr x1, =ROOT_IMAGE_VADDR
    sub x2, x20, x19
    add x2, x1, x2
    mov x3, #ROOT_PRIORITY
    mov x4, #BOOT_START_RUNNABLE
    bl boot_thread
    pa_to_va x0, x26
    sub x1, x20, x19
    lsr x1, x1, #PAGE_BITS
    str x1, [x0, #CTX_X1]
    adr x1, boot_untyped_count
    ldr x1, [x1]
    str x1, [x0, #CTX_X0]
    adr x25, boot_threads
    ldr x8, [x25], #8
boot_thread_next:
    cbz x8, boot_threads_done
    add x26, x26, #(1 << TCB_SIZE_BITS)
    ldr x3, =ROOT_IMAGE_VADDR
    ldp x1, x2, [x25]
    sub x1, x1, x19
    add x1, x1, x3
    sub x2, x2, x19
    add x2, x2, x3
    ldp x3, x4, [x25, #16]
    add x25, x25, #BOOT_THREAD_SIZE
    sub x8, x8, #1
    bl boot_thread
    b boot_thread_next
boot_threads_done:
    frame_leave
    ret

/*
 * boot_thread: set up the TCB at physical address x26 in the root task's CSpace and VSpace:
 * PC x1, SP x2 (user virtual addresses), priority x3, start x4 (BOOT_START_*).
 */
boot_thread:
    frame_enter
    pa_to_va x0, x26
    str x1, [x0, #CTX_ELR_EL1]
    str x2, [x0, #CTX_SP_EL0]
    mov x1, #SPSR_EL0T
    str x1, [x0, #CTX_SPSR_EL1]
    str x3, [x0, #TCB_PRIORITY]
    mov x1, #TIME_SLICE_TICKS
    str x1, [x0, #TCB_TIME_SLICE]
    str x4, [sp, #-16]!
    mov x1, x21
    mov x2, #ROOT_CNODE_RADIX
    mov x3, x23
    bl thread_set_spaces
    ldr x4, [sp], #16
    frame_leave
.if CONFIG_SCENARIO == SCENARIO_SCHED
    cmp x4, #BOOT_START_AT_WAKE_TICK
    b.ne boot_thread_not_woken
    adr x1, scenario_wake_tcb
    str x26, [x1]
boot_thread_not_woken:
.endif
    cmp x4, #BOOT_START_RUNNABLE
    b.ne boot_thread_done
    mov x1, #TS_RUNNING
    str x1, [x0, #TCB_STATE]
    b sched_append
boot_thread_done:
    ret

/*
 * boot_cap: write an original capability into root CNode slot x0: info word x1 (type, rights,
 * ...), object x2, data word x3, no parent. Uses x22 (the CNode's kernel virtual address).
 */
boot_cap:
    add x4, x22, x0, lsl #(CNODE_SLOT_BITS)
    str x1, [x4, #SLOT_INFO]
    str x2, [x4, #SLOT_OBJ]
    str x3, [x4, #SLOT_DATA]
    str xzr, [x4, #SLOT_CDT]
    ret

// boot_table_cap: a page-table capability in slot x0 for the boot object at offset x2, mapped
// in the root VSpace at x3 (the start of the range it translates).
boot_table_cap:
    add x2, x21, x2
    ldr x1, =(CAP_PAGE_TABLE | CAP_ORIGINAL | CAP_MAPPED_FLAG)
    orr x1, x1, x24
    b boot_cap

boot_image_too_large:
    kputs str_image_too_large
    mov x0, #BOOT_PANIC_STATUS
    b power_off

// kzero: zero x1 bytes (a multiple of 16) at x0.
kzero:
    stp xzr, xzr, [x0], #16
    subs x1, x1, #16
    b.ne kzero
    ret

.if CONFIG_SCENARIO == SCENARIO_SCHED
/*
 * scenario_tick: the SCHED test scenario's part of the tick: print "|" so the test can see each
 * tick in the console, and at tick CONFIG_SCHED_WAKE_TICK make the BOOT_START_AT_WAKE_TICK thread
 * runnable (spec: sched.wake), as an interrupt-driven wake-up will once notifications exist.
 */
scenario_tick:
    frame_enter
    str x2, [sp, #-16]!
    mov w0, #0x7c
    bl uart_putc
    ldr x2, [sp], #16
    cmp x2, #CONFIG_SCHED_WAKE_TICK
    b.ne scenario_tick_done
    adr x0, scenario_wake_tcb
    ldr x0, [x0]
    pa_to_va x0, x0
    mov x1, #TS_RUNNING
    str x1, [x0, #TCB_STATE]
    bl sched_append
scenario_tick_done:
    frame_leave
    ret
.endif
