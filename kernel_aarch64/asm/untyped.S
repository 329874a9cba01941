/*
 * untyped_retype: spec: untyped.retype. MR0 = object type, MR1 = size, MR2 = destination CNode
 * CPtr, MR3 = first slot index, MR4 = count: carve `count` objects at the untyped region's
 * watermark (reset to 0 when nothing carved from it is left), each aligned to its size, zeroed,
 * with an original capability (all rights) in slots first .. first + count - 1, each a child of
 * the untyped capability (x20).
 *
 * Checks, in order: the type (INVALID_ARGUMENT); the size of an untyped or CNode (RANGE_ERROR);
 * 1 <= count <= RETYPE_MAX_OBJECTS (RANGE_ERROR); the CNode (FAILED_LOOKUP, INVALID_CAPABILITY);
 * the last slot exists, with first + count - 1 computed without wrapping (RANGE_ERROR); the slots
 * are empty, in index order (DELETE_FIRST); the objects fit (NOT_ENOUGH_MEMORY).
 *
 * Register roles: x22 type, x23 size argument, x24 count, x25 first destination slot, x26 log2
 * of an object's bytes, x27 the first object's address, x28 the capability's info word.
 */
untyped_retype:
    frame_enter
    ldp x22, x23, [x19, #ARG_MR0]
    ldr x24, [x19, #ARG_MR4]
    sub x0, x22, #OBJ_UNTYPED
    cmp x0, #(OBJ_VSPACE - OBJ_UNTYPED)
    b.hi inv_fail_INVALID_ARGUMENT
    cmp x22, #OBJ_UNTYPED
    b.ne untyped_retype_not_untyped
    sub x0, x23, #UNTYPED_MIN_BITS
    cmp x0, #(UNTYPED_MAX_BITS - UNTYPED_MIN_BITS)
    b.hi inv_fail_RANGE_ERROR
    mov x26, x23
    b untyped_retype_count
untyped_retype_not_untyped:
    cmp x22, #OBJ_CNODE
    b.ne untyped_retype_fixed
    sub x0, x23, #CNODE_MIN_RADIX
    cmp x0, #(CNODE_MAX_RADIX - CNODE_MIN_RADIX)
    b.hi inv_fail_RANGE_ERROR
    add x26, x23, #CNODE_SLOT_BITS
    b untyped_retype_count
untyped_retype_fixed:
    adr x0, untyped_size_bits
    ldrb w26, [x0, x22]
untyped_retype_count:
    sub x0, x24, #1
    cmp x0, #(RETYPE_MAX_OBJECTS - 1)
    b.hi inv_fail_RANGE_ERROR
    ldr x1, [x19, #ARG_MR2]
    mov x2, #CAP_CNODE
    bl cap_lookup_arg
    ldr x1, [x19, #ARG_MR3]
    sub x2, x24, #1
    adds x1, x1, x2
    b.cs inv_fail_RANGE_ERROR
    mov x25, x0
    bl cap_slot_in
    ldr x1, [x19, #ARG_MR3]
    mov x0, x25
    bl cap_slot_in
    mov x25, x0
    mov x1, x24
untyped_retype_empty:
    ldr x2, [x0, #SLOT_INFO]
    ands x2, x2, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.ne inv_fail_DELETE_FIRST
    add x0, x0, #(1 << CNODE_SLOT_BITS)
    subs x1, x1, #1
    b.ne untyped_retype_empty
    // The region: [obj, obj + 2**size_bits); free from the watermark, or 0 without children.
    ldr x0, [x20, #SLOT_INFO]
    ldr x1, [x20, #SLOT_OBJ]
    ldr x2, [x20, #SLOT_DATA]
    ubfx x3, x0, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    cmp x3, #0
    csel x2, xzr, x2, eq
    add x2, x1, x2
    mov x4, #1
    lsl x4, x4, x26
    sub x5, x4, #1
    add x2, x2, x5
    bic x27, x2, x5
    lsl x6, x24, x26
    add x6, x27, x6
    ubfx x3, x0, #CAPINFO_SIZE_BITS_SHIFT, #CAPINFO_SIZE_BITS_WIDTH
    mov x7, #1
    lsl x7, x7, x3
    add x7, x1, x7
    cmp x6, x7
    b.hi inv_fail_NOT_ENOUGH_MEMORY
    sub x6, x6, x1
    str x6, [x20, #SLOT_DATA]
    // The capability: the object type is also its capability type; untyped and CNode
    // capabilities record their size.
    mov x28, #(ALL_RIGHTS << CAPINFO_RIGHTS_SHIFT)
    orr x28, x28, x22
    cmp x22, #OBJ_UNTYPED
    b.eq untyped_retype_sized
    cmp x22, #OBJ_CNODE
    b.ne untyped_retype_objects
untyped_retype_sized:
    orr x28, x28, x23, lsl #(CAPINFO_SIZE_BITS_SHIFT)
untyped_retype_objects:
    cmp x22, #OBJ_UNTYPED
    b.eq untyped_retype_cap
    pa_to_va x0, x27
    mov x1, #1
    lsl x1, x1, x26
    bl kzero
    cmp x22, #OBJ_TCB
    b.ne untyped_retype_cap
    pa_to_va x0, x27
    mov x1, #TIME_SLICE_TICKS
    str x1, [x0, #TCB_TIME_SLICE]
untyped_retype_cap:
    mov x0, x25
    mov x1, x28
    mov x2, x27
    mov x3, #0
    mov x4, x20
    bl cdt_insert
    add x25, x25, #(1 << CNODE_SLOT_BITS)
    mov x0, #1
    lsl x0, x0, x26
    add x27, x27, x0
    subs x24, x24, #1
    b.ne untyped_retype_objects
    mov x1, #0
    frame_leave
    ret

// log2 of the bytes of each fixed-size object type, by ObjectType (untyped and CNode: unused).
untyped_size_bits:
    .byte 0, 0, OBJ_SIZE_BITS_TCB, OBJ_SIZE_BITS_ENDPOINT, OBJ_SIZE_BITS_NOTIFICATION, 0
    .byte OBJ_SIZE_BITS_FRAME, OBJ_SIZE_BITS_PAGE_TABLE, OBJ_SIZE_BITS_VSPACE
.balign 8
