/*
 * The CAPS scenario: capability spaces and untyped memory, checked from user space. The root
 * task makes invocations on its CNode and its first untyped capability and compares every
 * result with the spec's (the error code in x0, the reply values): CNode Copy, Mint, Move,
 * Mutate, Delete and Revoke with rights masking, badges and the derivation tree; Untyped Retype
 * of every object kind (and of a frame from the last untyped capability, which the count the boot
 * gives in x0 names), and the reuse of the region once its children are revoked. Every error
 * code of these operations occurs at least once. Two further threads name unusable capabilities
 * and are stopped with capability faults. The root task prints "." per check passed and halts
 * with status 0, or with the number of the first failing check.
 */
.equ CAPS_PRIORITY, ROOT_PRIORITY
.equ CAPS_CNODE, ROOT_SLOT_CNODE
.equ CAPS_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ CAPS_FREE, ROOT_SLOT_FREE_FIRST
.equ CAPS_EMPTY, CAPS_FREE + 100

.balign 8
boot_threads:
    .quad 2
    .quad caps_no_cap, caps_stack_top, CAPS_PRIORITY, BOOT_START_RUNNABLE
    .quad caps_recv_cnode, caps_stack_top, CAPS_PRIORITY, BOOT_START_RUNNABLE

// retype: Untyped Retype of the first untyped capability: type, size, first slot, count.
.macro retype type, size, first, count, error
    mov x2, #(\type)
    mov x3, #(\size)
    mov x4, #CAPS_CNODE
    mov x5, #(\first)
    mov x6, #(\count)
    check CAPS_UNTYPED, LABEL_UNTYPED_RETYPE, 5, \error
.endm

// copy: CNode Copy (\label Copy or Mint: rights, badge) from slot \src to slot \dst.
.macro copy label, dst, src, rights, badge, error
    mov x2, #(\dst)
    mov x3, #CAPS_CNODE
    mov x4, #(\src)
    mov x5, #(\rights)
    mov x6, #(\badge)
    check CAPS_CNODE, \label, 5, \error
.endm

// copy_from: CNode \label (Copy, Mint, Move or Mutate) with \length message registers from slot
// \src of the CNode capability \cnode to slot \dst, all rights, no badge.
.macro copy_from label, dst, cnode, src, length, error
    mov x2, #(\dst)
    mov x3, #(\cnode)
    mov x4, #(\src)
    mov x5, #ALL_RIGHTS
    mov x6, #0
    check CAPS_CNODE, \label, \length, \error
.endm

// slot_checks: the checks Copy, Mint, Move and Mutate share, in the spec's order, for \label with
// \length message registers (the operation's own): a message one register short, the
// destination index, an occupied destination, a source CNode CPtr naming nothing, then naming a
// capability that is not a CNode.
.macro slot_checks label, length
    copy_from \label, CAPS_FREE + 35, CAPS_CNODE, CAPS_FREE, (\length) - 1, ERR_TRUNCATED_MESSAGE
    copy_from \label, 1 << ROOT_CNODE_RADIX, CAPS_CNODE, CAPS_FREE, \length, ERR_RANGE_ERROR
    copy_from \label, ROOT_SLOT_CNODE, CAPS_CNODE, CAPS_FREE, \length, ERR_DELETE_FIRST
    copy_from \label, CAPS_FREE + 35, CAPS_EMPTY, CAPS_FREE, \length, ERR_FAILED_LOOKUP
    copy_from \label, CAPS_FREE + 35, CAPS_UNTYPED, CAPS_FREE, \length, ERR_INVALID_CAPABILITY
.endm

// slot_op: a one-argument CNode operation (Delete, Revoke) on slot \slot.
.macro slot_op label, slot, error
    mov x2, #(\slot)
    check CAPS_CNODE, \label, 1, \error
.endm

root_main:
    mov x19, #0
    mov x20, x0
    bl u_yield
    // A frame from the last untyped capability: the boot's count in x0 names it.
    add x19, x19, #1
    add x0, x20, #(ROOT_SLOT_UNTYPED_FIRST - 1)
    ldr x1, =((LABEL_UNTYPED_RETYPE << MSGINFO_LABEL_SHIFT) | 5)
    mov x2, #OBJ_FRAME
    mov x3, #0
    mov x4, #CAPS_CNODE
    mov x5, #(CAPS_FREE + 40)
    mov x6, #1
    mov x8, #SYS_CALL
    svc #0
    cbnz x0, u_check_failed
    // Untyped Retype: two endpoints, then its checks in the spec's order.
    retype OBJ_ENDPOINT, 0, CAPS_FREE, 2, ERR_OK
    retype OBJ_ENDPOINT, 0, CAPS_FREE + 1, 1, ERR_DELETE_FIRST
    retype 99, 0, CAPS_FREE + 2, 1, ERR_INVALID_ARGUMENT
    retype OBJ_CNODE, CNODE_MAX_RADIX + 1, CAPS_FREE + 2, 1, ERR_RANGE_ERROR
    retype OBJ_UNTYPED, UNTYPED_MIN_BITS - 1, CAPS_FREE + 2, 1, ERR_RANGE_ERROR
    retype OBJ_FRAME, 0, CAPS_FREE + 2, 0, ERR_RANGE_ERROR
    retype OBJ_FRAME, 0, CAPS_FREE + 2, RETYPE_MAX_OBJECTS + 1, ERR_RANGE_ERROR
    retype OBJ_FRAME, 0, (1 << ROOT_CNODE_RADIX) - 1, 2, ERR_RANGE_ERROR
    mov x2, #OBJ_FRAME
    mov x3, #0
    mov x4, #CAPS_EMPTY
    mov x5, #(CAPS_FREE + 2)
    mov x6, #1
    check CAPS_UNTYPED, LABEL_UNTYPED_RETYPE, 5, ERR_FAILED_LOOKUP
    mov x2, #OBJ_FRAME
    mov x3, #0
    mov x4, #ROOT_SLOT_TCB
    mov x5, #(CAPS_FREE + 2)
    mov x6, #1
    check CAPS_UNTYPED, LABEL_UNTYPED_RETYPE, 5, ERR_INVALID_CAPABILITY
    retype OBJ_UNTYPED, 19, CAPS_FREE + 2, 1, ERR_NOT_ENOUGH_MEMORY
    retype OBJ_FRAME, 0, CAPS_FREE + 2, 1, ERR_OK
    retype OBJ_CNODE, 2, CAPS_FREE + 3, 1, ERR_OK
    retype OBJ_TCB, 0, CAPS_FREE + 4, 1, ERR_OK
    retype OBJ_NOTIFICATION, 0, CAPS_FREE + 5, 2, ERR_OK
    retype OBJ_PAGE_TABLE, 0, CAPS_FREE + 7, 1, ERR_OK
    retype OBJ_VSPACE, 0, CAPS_FREE + 8, 1, ERR_OK
    retype OBJ_UNTYPED, 12, CAPS_FREE + 9, 1, ERR_OK
    // The common checks: a label the kind lacks, a message too short.
    check CAPS_CNODE, 99, 5, ERR_ILLEGAL_OPERATION
    check CAPS_CNODE, LABEL_TCB_SUSPEND, 0, ERR_ILLEGAL_OPERATION
    check CAPS_CNODE, LABEL_CNODE_COPY, 3, ERR_TRUNCATED_MESSAGE
    // Copy and Mint: endpoint 0 (slot FREE) gets children in slots FREE+20 and FREE+21.
    copy LABEL_CNODE_COPY, CAPS_FREE + 20, CAPS_FREE, RIGHT_READ | RIGHT_WRITE, 0, ERR_OK
    copy LABEL_CNODE_COPY, CAPS_FREE + 20, CAPS_FREE, ALL_RIGHTS, 0, ERR_DELETE_FIRST
    copy LABEL_CNODE_COPY, 1 << ROOT_CNODE_RADIX, CAPS_FREE, ALL_RIGHTS, 0, ERR_RANGE_ERROR
    copy LABEL_CNODE_COPY, CAPS_FREE + 22, CAPS_EMPTY, ALL_RIGHTS, 0, ERR_FAILED_LOOKUP
    copy LABEL_CNODE_COPY, CAPS_FREE + 22, CAPS_UNTYPED, ALL_RIGHTS, 0, ERR_ILLEGAL_OPERATION
    copy LABEL_CNODE_COPY, CAPS_FREE + 22, CAPS_FREE + 7, ALL_RIGHTS, 0, ERR_ILLEGAL_OPERATION
    copy LABEL_CNODE_MINT, CAPS_FREE + 21, CAPS_FREE, ALL_RIGHTS, 0x55, ERR_OK
    copy LABEL_CNODE_MINT, CAPS_FREE + 22, CAPS_FREE + 21, ALL_RIGHTS, 7, ERR_ILLEGAL_OPERATION
    copy LABEL_CNODE_MINT, CAPS_FREE + 22, CAPS_FREE + 21, RIGHT_WRITE, 0, ERR_OK
    copy LABEL_CNODE_MINT, CAPS_FREE + 23, CAPS_FREE + 5, RIGHT_WRITE, 0x30, ERR_OK
    copy LABEL_CNODE_COPY, CAPS_FREE + 24, ROOT_SLOT_IMAGE_FIRST, RIGHT_READ, 0, ERR_OK
    // Move and Mutate: a capability with children cannot move; a mapped one keeps its rights.
    mov x2, #(CAPS_FREE + 30)
    mov x3, #CAPS_CNODE
    mov x4, #(CAPS_FREE + 22)
    check CAPS_CNODE, LABEL_CNODE_MOVE, 3, ERR_OK
    mov x2, #(CAPS_FREE + 31)
    mov x3, #CAPS_CNODE
    mov x4, #CAPS_FREE
    check CAPS_CNODE, LABEL_CNODE_MOVE, 3, ERR_REVOKE_FIRST
    copy LABEL_CNODE_MUTATE, CAPS_FREE + 32, CAPS_FREE + 30, RIGHT_READ, 0, ERR_OK
    copy LABEL_CNODE_MUTATE, CAPS_FREE + 33, CAPS_FREE + 20, ALL_RIGHTS, 9, ERR_OK
    copy LABEL_CNODE_MUTATE, CAPS_FREE + 34, CAPS_FREE + 33, ALL_RIGHTS, 10, ERR_ILLEGAL_OPERATION
    copy LABEL_CNODE_MUTATE, CAPS_FREE + 34, ROOT_SLOT_IMAGE_FIRST + 1, RIGHT_READ, 0, ERR_ILLEGAL_OPERATION
    copy LABEL_CNODE_MUTATE, CAPS_FREE + 34, CAPS_FREE + 9, ALL_RIGHTS, 0, ERR_OK
    // The checks the four share, for each (endpoint 0, slot FREE, still has children).
    slot_checks LABEL_CNODE_COPY, 4
    slot_checks LABEL_CNODE_MINT, 5
    slot_checks LABEL_CNODE_MOVE, 3
    slot_checks LABEL_CNODE_MUTATE, 5
    copy_from LABEL_CNODE_MUTATE, CAPS_FREE + 35, CAPS_CNODE, CAPS_FREE, 5, ERR_REVOKE_FIRST
    // Messages too short for Delete, Revoke, Retype, TCB Configure and Page Table Map.
    check CAPS_CNODE, LABEL_CNODE_DELETE, 0, ERR_TRUNCATED_MESSAGE
    check CAPS_CNODE, LABEL_CNODE_REVOKE, 0, ERR_TRUNCATED_MESSAGE
    check CAPS_UNTYPED, LABEL_UNTYPED_RETYPE, 4, ERR_TRUNCATED_MESSAGE
    check ROOT_SLOT_TCB, LABEL_TCB_CONFIGURE, 0, ERR_TRUNCATED_MESSAGE
    check CAPS_FREE + 7, LABEL_PAGE_TABLE_MAP, 0, ERR_TRUNCATED_MESSAGE
    // Delete: the index, children, a busy final capability, an empty slot, a plain delete.
    slot_op LABEL_CNODE_DELETE, 1 << ROOT_CNODE_RADIX, ERR_RANGE_ERROR
    slot_op LABEL_CNODE_DELETE, CAPS_FREE, ERR_REVOKE_FIRST
    slot_op LABEL_CNODE_DELETE, ROOT_SLOT_CNODE, ERR_DELETE_FIRST
    slot_op LABEL_CNODE_DELETE, CAPS_EMPTY, ERR_OK
    slot_op LABEL_CNODE_DELETE, CAPS_FREE + 24, ERR_OK
    slot_op LABEL_CNODE_DELETE, CAPS_FREE + 23, ERR_OK
    // Revoke, one child per call, with the number left.
    slot_op LABEL_CNODE_REVOKE, 1 << ROOT_CNODE_RADIX, ERR_RANGE_ERROR
    slot_op LABEL_CNODE_REVOKE, CAPS_EMPTY, ERR_OK
    expect_mr0 0
    slot_op LABEL_CNODE_REVOKE, CAPS_FREE, ERR_REVOKE_FIRST
    slot_op LABEL_CNODE_REVOKE, CAPS_FREE + 21, ERR_OK
    expect_mr0 0
    slot_op LABEL_CNODE_REVOKE, CAPS_FREE, ERR_OK
    expect_mr0 1
    slot_op LABEL_CNODE_REVOKE, CAPS_FREE, ERR_OK
    expect_mr0 0
    // A Send performs the operation without a reply: x0 keeps the CPtr.
    mov x0, #CAPS_CNODE
    ldr x1, =((LABEL_CNODE_DELETE << MSGINFO_LABEL_SHIFT) | 1)
    mov x2, #(CAPS_FREE + 34)
    mov x8, #SYS_SEND
    svc #0
    add x19, x19, #1
    cmp x0, #CAPS_CNODE
    b.ne u_check_failed
    // The untyped's children: the CNode holds nothing, so every one goes; then the region is
    // reused from its start.
caps_revoke_untyped:
    slot_op LABEL_CNODE_REVOKE, CAPS_UNTYPED, ERR_OK
    cbnz x2, caps_revoke_untyped
    retype OBJ_FRAME, 0, CAPS_FREE, 2, ERR_OK
    retype OBJ_UNTYPED, 18, CAPS_FREE + 2, 1, ERR_OK
    mov x0, #0x0a
    bl u_putchar
    mov x0, #0
    b u_halt

// caps_no_cap: a Call on an empty slot: a capability fault stops the thread.
caps_no_cap:
    mov x0, #CAPS_EMPTY
    mov x8, #SYS_CALL
    svc #0
    b caps_survived

// caps_recv_cnode: a Recv on a CNode capability: a capability fault stops the thread.
caps_recv_cnode:
    mov x0, #CAPS_CNODE
    mov x8, #SYS_RECV
    svc #0
caps_survived:
    mov x0, #0x21
    bl u_putchar
    mov x0, #1
    b u_halt

.balign 16
// The faulting threads share one stack: each runs only until its first fault.
caps_stack:
    .space USER_STACK_SIZE
caps_stack_top:
