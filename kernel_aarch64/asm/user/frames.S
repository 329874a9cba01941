/*
 * The FRAMES scenario: frames and page tables, checked from user space. The root task retypes frames,
 * page tables and a VSpace and checks Frame Map, Frame Unmap, Page Table Map and Page Table
 * Unmap with every error in the spec's order, and that the mappings are real: a word written
 * through one mapping of a frame is read through another, the console's device frame can be read
 * at EL0, and a capability's rights bound its mapping's (a frame capability with only READ maps
 * read-only; the thread VM_RO_WRITER's write to it is stopped by a data abort). Deleting a mapped
 * capability removes its mapping, and a table or VSpace with entries cannot be deleted. Once the
 * first mappings are made, the root task asks for a checkpoint (DebugCheckpoint), where the
 * harness compares the kernel's whole state, its translation tables included, with the spec's.
 *
 * Last, the stale-translation check: a frame carved from a 4 KiB untyped region is mapped and
 * written through, unmapped and destroyed, and a page table is carved at the same address. The
 * root task's next write to the old address must take a data abort: a TLB entry left behind by
 * the unmap would let the write land in the new page table, which the final memory checkpoint
 * (the abstraction walks every table) would show as an entry the spec does not have. The thread
 * VM_FINISHER, at the lowest priority, then halts with status 0. The root task prints "." per
 * check passed and halts with the number of the first failing check.
 */
.equ VM_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ VM_F1, ROOT_SLOT_FREE_FIRST
.equ VM_F2, ROOT_SLOT_FREE_FIRST + 1
.equ VM_PT1, ROOT_SLOT_FREE_FIRST + 2
.equ VM_PT2, ROOT_SLOT_FREE_FIRST + 3
.equ VM_PT3, ROOT_SLOT_FREE_FIRST + 4
.equ VM_PT4, ROOT_SLOT_FREE_FIRST + 5
.equ VM_V2, ROOT_SLOT_FREE_FIRST + 6
.equ VM_F1_COPY, ROOT_SLOT_FREE_FIRST + 7
.equ VM_F1_WRITE, ROOT_SLOT_FREE_FIRST + 8
.equ VM_F2_READ, ROOT_SLOT_FREE_FIRST + 9
.equ VM_SMALL, ROOT_SLOT_FREE_FIRST + 10
.equ VM_STALE_FRAME, ROOT_SLOT_FREE_FIRST + 11
.equ VM_STALE_TABLE, ROOT_SLOT_FREE_FIRST + 12
.equ VM_EMPTY, ROOT_SLOT_FREE_FIRST + 100
.equ VM_RW, RIGHT_READ | RIGHT_WRITE
// Addresses in the level-3 table of the root task's image, and one where no table exists yet.
.equ VM_VA_A, ROOT_IMAGE_VADDR + 0x100000
.equ VM_VA_B, VM_VA_A + (1 << PAGE_BITS)
.equ VM_VA_C, VM_VA_A + 2 * (1 << PAGE_BITS)
.equ VM_VA_DEVICE, VM_VA_A + 3 * (1 << PAGE_BITS)
// Its page number differs from the image's modulo 64, so that no user access on the way evicts
// its translation from QEMU's (direct-mapped) TLB: only the kernel's invalidation removes it.
.equ VM_VA_STALE, ROOT_IMAGE_VADDR + 0x1a0000
.equ VM_VA_FAR, 1 << (PAGE_BITS + 3 * PT_INDEX_BITS)
.equ VM_WORD, 0x6d6c6b
.equ VM_FAKE_DESCRIPTOR, PTE_PAGE
.equ VM_WRITER_SURVIVED, 0xff

.balign 8
boot_threads:
    .quad 2
    .quad vm_ro_writer, vm_stack_top, 2, BOOT_START_RUNNABLE
    .quad vm_finisher, vm_stack_top, 1, BOOT_START_RUNNABLE

// map: Frame Map of \frame into \vspace at \vaddr with \rights.
.macro map frame, vspace, vaddr, rights, error
    mov x2, #(\vspace)
    ldr x3, =(\vaddr)
    mov x4, #(\rights)
    check \frame, LABEL_FRAME_MAP, 3, \error
.endm

// table_map: Page Table Map of \table into \vspace at \vaddr.
.macro table_map table, vspace, vaddr, error
    mov x2, #(\vspace)
    ldr x3, =(\vaddr)
    check \table, LABEL_PAGE_TABLE_MAP, 2, \error
.endm

// delete: CNode Delete of root CNode slot \slot.
.macro delete slot, error
    mov x2, #(\slot)
    check ROOT_SLOT_CNODE, LABEL_CNODE_DELETE, 1, \error
.endm

// copy: CNode Copy of slot \src into slot \dst with rights \rights.
.macro copy dst, src, rights
    mov x2, #(\dst)
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #(\src)
    mov x5, #(\rights)
    check ROOT_SLOT_CNODE, LABEL_CNODE_COPY, 4, ERR_OK
.endm

// retype: Untyped Retype of \count objects of \type (size \size) from \untyped into \first...
.macro retype untyped, type, size, first, count
    mov x2, #(\type)
    mov x3, #(\size)
    mov x4, #ROOT_SLOT_CNODE
    mov x5, #(\first)
    mov x6, #(\count)
    check \untyped, LABEL_UNTYPED_RETYPE, 5, ERR_OK
.endm

// expect_word: the word at \vaddr must be \value (both constants; clobbers x0, x1).
.macro expect_word vaddr, value
    ldr x0, =(\vaddr)
    ldr x0, [x0]
    ldr x1, =(\value)
    cmp x0, x1
    b.ne u_check_failed
.endm

root_main:
    mov x19, #0
    retype VM_UNTYPED, OBJ_FRAME, 0, VM_F1, 2
    retype VM_UNTYPED, OBJ_PAGE_TABLE, 0, VM_PT1, 4
    retype VM_UNTYPED, OBJ_VSPACE, 0, VM_V2, 1
    copy VM_F1_COPY, VM_F1, ALL_RIGHTS
    copy VM_F1_WRITE, VM_F1, RIGHT_WRITE
    copy VM_F2_READ, VM_F2, RIGHT_READ
    // Frame Map: its checks in the spec's order.
    map VM_F1, VM_EMPTY, VM_VA_A, VM_RW, ERR_FAILED_LOOKUP
    map VM_F1, ROOT_SLOT_TCB, VM_VA_A, VM_RW, ERR_INVALID_CAPABILITY
    map VM_F1, ROOT_SLOT_VSPACE, VM_VA_A + 8, VM_RW, ERR_ALIGNMENT_ERROR
    map VM_F1, ROOT_SLOT_VSPACE, (1 << VADDR_BITS) + 8, VM_RW, ERR_ALIGNMENT_ERROR
    map VM_F1, ROOT_SLOT_VSPACE, 1 << VADDR_BITS, VM_RW, ERR_INVALID_ARGUMENT
    map VM_F1, ROOT_SLOT_VSPACE, 1 << VADDR_BITS, RIGHT_WRITE, ERR_INVALID_ARGUMENT
    map VM_F1, ROOT_SLOT_VSPACE, VM_VA_A, RIGHT_WRITE, ERR_INVALID_ARGUMENT
    map VM_F1_WRITE, ROOT_SLOT_VSPACE, VM_VA_A, VM_RW, ERR_INVALID_ARGUMENT
    map VM_F1, ROOT_SLOT_VSPACE, VM_VA_FAR, VM_RW, ERR_FAILED_LOOKUP
    map VM_F1, ROOT_SLOT_VSPACE, ROOT_IMAGE_VADDR, VM_RW, ERR_DELETE_FIRST
    map VM_F1, ROOT_SLOT_VSPACE, VM_VA_A, ALL_RIGHTS, ERR_OK
    map VM_F1, VM_EMPTY, VM_VA_B, VM_RW, ERR_INVALID_CAPABILITY
    map VM_F1_COPY, ROOT_SLOT_VSPACE, VM_VA_B, VM_RW, ERR_OK
    map VM_F2_READ, ROOT_SLOT_VSPACE, VM_VA_C, VM_RW, ERR_OK
    map ROOT_SLOT_CONSOLE_FRAME, ROOT_SLOT_VSPACE, VM_VA_DEVICE, VM_RW, ERR_OK
    // The mappings are real: one frame at two addresses; a new frame reads zero; the UART's flag
    // register reads at EL0.
    ldr x0, =VM_VA_A
    ldr x1, =VM_WORD
    str x1, [x0]
    expect_word VM_VA_B, VM_WORD
    expect_word VM_VA_C, 0
    ldr x0, =(VM_VA_DEVICE + PL011_FR)
    ldr w0, [x0]
    // The harness compares every mapping (the tables the MMU walks) with the spec's here.
    debug_checkpoint
    // Page Table Map: a chain of tables at VM_VA_FAR, one level per call.
    table_map VM_PT1, VM_EMPTY, VM_VA_FAR, ERR_FAILED_LOOKUP
    table_map VM_PT1, VM_F1, VM_VA_FAR, ERR_INVALID_CAPABILITY
    table_map VM_PT1, ROOT_SLOT_VSPACE, 1 << VADDR_BITS, ERR_INVALID_ARGUMENT
    table_map VM_PT1, ROOT_SLOT_VSPACE, VM_VA_FAR, ERR_OK
    table_map VM_PT1, VM_EMPTY, VM_VA_FAR, ERR_INVALID_CAPABILITY
    table_map VM_PT2, ROOT_SLOT_VSPACE, VM_VA_FAR + 0x123, ERR_OK
    map VM_F2, ROOT_SLOT_VSPACE, VM_VA_FAR, VM_RW, ERR_FAILED_LOOKUP
    table_map VM_PT3, ROOT_SLOT_VSPACE, VM_VA_FAR, ERR_OK
    table_map VM_PT4, ROOT_SLOT_VSPACE, VM_VA_FAR, ERR_DELETE_FIRST
    map VM_F2, ROOT_SLOT_VSPACE, VM_VA_FAR, VM_RW, ERR_OK
    ldr x0, =VM_VA_FAR
    ldr x1, =VM_WORD
    str x1, [x0]
    expect_word VM_VA_C, VM_WORD
    // Unmapping: a table with entries cannot go, its frame first; unmapped is done already.
    check VM_PT3, LABEL_PAGE_TABLE_UNMAP, 0, ERR_DELETE_FIRST
    check VM_F2, LABEL_FRAME_UNMAP, 0, ERR_OK
    check VM_F2, LABEL_FRAME_UNMAP, 0, ERR_OK
    check VM_PT3, LABEL_PAGE_TABLE_UNMAP, 0, ERR_OK
    check VM_PT3, LABEL_PAGE_TABLE_UNMAP, 0, ERR_OK
    // Another VSpace: one with an entry cannot be deleted; neither can a table with one.
    table_map VM_PT4, VM_V2, VM_VA_FAR, ERR_OK
    delete VM_V2, ERR_DELETE_FIRST
    // Revoking the untyped region would delete its youngest child first: that VSpace, busy.
    mov x2, #VM_UNTYPED
    check ROOT_SLOT_CNODE, LABEL_CNODE_REVOKE, 1, ERR_DELETE_FIRST
    delete VM_PT1, ERR_DELETE_FIRST
    // Deleting a mapped capability removes its mapping (VM_VA_B is free again after it).
    delete VM_PT2, ERR_OK
    delete VM_F1_COPY, ERR_OK
    map VM_F2, ROOT_SLOT_VSPACE, VM_VA_B, VM_RW, ERR_OK
    expect_word VM_VA_B, VM_WORD
    // The common checks on frames and page tables.
    check VM_F1, LABEL_FRAME_MAP, 2, ERR_TRUNCATED_MESSAGE
    check VM_PT3, LABEL_FRAME_UNMAP, 0, ERR_ILLEGAL_OPERATION
    // The stale-translation check (see above).
    retype VM_UNTYPED, OBJ_UNTYPED, PAGE_BITS, VM_SMALL, 1
    retype VM_SMALL, OBJ_FRAME, 0, VM_STALE_FRAME, 1
    map VM_STALE_FRAME, ROOT_SLOT_VSPACE, VM_VA_STALE, VM_RW, ERR_OK
    ldr x0, =VM_VA_STALE
    str xzr, [x0]
    check VM_STALE_FRAME, LABEL_FRAME_UNMAP, 0, ERR_OK
    delete VM_STALE_FRAME, ERR_OK
    retype VM_SMALL, OBJ_PAGE_TABLE, 0, VM_STALE_TABLE, 1
    mov x0, #0x0a
    bl u_putchar
    ldr x0, =VM_VA_STALE
    mov x1, #VM_FAKE_DESCRIPTOR
    str x1, [x0]
    // Only a stale translation gets here; halt as the finisher would, and let the final memory
    // checkpoint show the damage.
    b vm_finisher

// vm_ro_writer: writes to the read-only mapping; a data abort must stop it.
vm_ro_writer:
    ldr x0, =VM_VA_C
    str xzr, [x0]
    mov x19, #VM_WRITER_SURVIVED
    b u_check_failed

// vm_finisher: runs when nothing else can, and halts with status 0.
vm_finisher:
    mov x0, #0
    b u_halt

.balign 16
// The two threads share one stack: the writer runs only until its fault.
vm_stack:
    .space USER_STACK_SIZE
vm_stack_top:
