/*
 * Capability spaces and the capability derivation tree (spec: mlk.model.cspace).
 *
 * A CNode is nothing but its 2**radix slots (CAP_SLOT); the radix lives in every CNode capability
 * (CAPINFO_SIZE_BITS) and, for a thread's CSpace root, in TCB_CSPACE_RADIX. The derivation tree is
 * kept in the slots: each slot names its parent (CAPCDT_PARENT), its youngest child
 * (CAPINFO_LAST_CHILD, an address >> CNODE_SLOT_BITS) and its next older sibling
 * (CAPCDT_PREV_SIBLING), so a parent's children form a chain from the youngest to the oldest.
 * All links are physical addresses; slots are passed around as kernel virtual addresses.
 */

/*
 * cap_resolve: spec: cspace.resolve. In: x0 = a TCB, x1 = a CPtr. Out: x0 = the occupied slot
 * the CPtr names in the thread's CSpace, 0 when the thread has no CSpace, the CPtr is the null
 * CPtr or beyond the root CNode, or the slot is empty. Clobbers x0-x3.
 */
cap_resolve:
    ldr x2, [x0, #TCB_CSPACE]
    cbz x2, cap_resolve_none
    cmp x1, #NULL_CPTR
    b.eq cap_resolve_none
    ldr x3, [x0, #TCB_CSPACE_RADIX]
    lsr x3, x1, x3
    cbnz x3, cap_resolve_none
    pa_to_va x2, x2
    add x0, x2, x1, lsl #(CNODE_SLOT_BITS)
    ldr x3, [x0, #SLOT_INFO]
    ands x3, x3, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.eq cap_resolve_none
    ret
cap_resolve_none:
    mov x0, #0
    ret

/*
 * cap_lookup_arg: spec: cspace.lookup_arg. A capability argument of the invocation the current
 * thread (x19) makes: x1 = its CPtr, x2 = the capability type it must have. Out: x0 = its slot.
 * Fails the invocation with FAILED_LOOKUP (no capability) or INVALID_CAPABILITY (another type).
 * Clobbers x0-x5.
 */
cap_lookup_arg:
    mov x4, x30
    mov x5, x2
    mov x0, x19
    bl cap_resolve
    mov x30, x4
    cbz x0, inv_fail_FAILED_LOOKUP
    ldr x3, [x0, #SLOT_INFO]
    and x3, x3, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x3, x5
    b.ne inv_fail_INVALID_CAPABILITY
    ret

/*
 * cap_slot_in: spec: cspace.slot_in. In: x0 = a CNode capability's slot, x1 = an index. Out: x0
 * = slot x1 of that CNode. Fails the invocation with RANGE_ERROR when the CNode has no such slot.
 * Clobbers x0-x3.
 */
cap_slot_in:
    ldr x2, [x0, #SLOT_INFO]
    ubfx x2, x2, #CAPINFO_SIZE_BITS_SHIFT, #CAPINFO_SIZE_BITS_WIDTH
    lsr x3, x1, x2
    cbnz x3, inv_fail_RANGE_ERROR
    ldr x2, [x0, #SLOT_OBJ]
    pa_to_va x2, x2
    add x0, x2, x1, lsl #(CNODE_SLOT_BITS)
    ret

/*
 * cap_is_final: spec: cspace.is_final. In: x0 = an occupied slot. Out: x0 = 1 when its
 * capability is the last one to its object (its parent, if any, designates another object),
 * else 0. Clobbers x0-x3.
 */
cap_is_final:
    ldr x1, [x0, #SLOT_CDT]
    ubfx x1, x1, #CAPCDT_PARENT_SHIFT, #CAPCDT_PARENT_WIDTH
    cbz x1, cap_is_final_yes
    pa_to_va x1, x1
    ldr x2, [x0, #SLOT_OBJ]
    ldr x3, [x1, #SLOT_OBJ]
    cmp x2, x3
    b.ne cap_is_final_yes
    ldr x2, [x0, #SLOT_INFO]
    ldr x3, [x1, #SLOT_INFO]
    eor x2, x2, x3
    ands x2, x2, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.ne cap_is_final_yes
    mov x0, #0
    ret
cap_is_final_yes:
    mov x0, #1
    ret

/*
 * cdt_insert: spec: cspace.insert. Put a capability (x1 = info, x2 = object, x3 = data) into
 * the empty slot x0 as the youngest child of the slot x4 (0: no parent). The info word's child
 * link is cleared. Clobbers x0-x7.
 */
cdt_insert:
    bfi x1, xzr, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    str x1, [x0, #SLOT_INFO]
    str x2, [x0, #SLOT_OBJ]
    str x3, [x0, #SLOT_DATA]
    mov x5, #0
    cbz x4, cdt_insert_links
    va_to_pa x5, x4
    ldr x6, [x4, #SLOT_INFO]
    ubfx x7, x6, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    lsl x7, x7, #(CNODE_SLOT_BITS)
    bfi x5, x7, #CAPCDT_PREV_SIBLING_SHIFT, #CAPCDT_PREV_SIBLING_WIDTH
    va_to_pa x7, x0
    lsr x7, x7, #(CNODE_SLOT_BITS)
    bfi x6, x7, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    str x6, [x4, #SLOT_INFO]
cdt_insert_links:
    str x5, [x0, #SLOT_CDT]
    ret

/*
 * cdt_replace: in the chain of children of the slot with physical address x2 (0: none, nothing
 * to do), make the link that names slot x0 name the slot with physical address x3 instead (0:
 * drop x0 from the chain, its older siblings taking its place). Clobbers x2-x7.
 */
cdt_replace:
    cbz x2, cdt_replace_done
    va_to_pa x5, x0
    pa_to_va x2, x2
    ldr x6, [x2, #SLOT_INFO]
    ubfx x7, x6, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    lsl x7, x7, #(CNODE_SLOT_BITS)
    cmp x7, x5
    b.ne cdt_replace_walk
    lsr x7, x3, #(CNODE_SLOT_BITS)
    bfi x6, x7, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    str x6, [x2, #SLOT_INFO]
    ret
// x7 = a younger sibling of x0: follow the chain until the one whose older sibling is x0.
cdt_replace_walk:
    pa_to_va x4, x7
    ldr x6, [x4, #SLOT_CDT]
    ubfx x7, x6, #CAPCDT_PREV_SIBLING_SHIFT, #CAPCDT_PREV_SIBLING_WIDTH
    cmp x7, x5
    b.ne cdt_replace_walk
    bfi x6, x3, #CAPCDT_PREV_SIBLING_SHIFT, #CAPCDT_PREV_SIBLING_WIDTH
    str x6, [x4, #SLOT_CDT]
cdt_replace_done:
    ret

/*
 * cdt_unlink: spec: cspace.unlink. Empty the occupied, childless slot x0 and take it out of its
 * parent's chain of children. Clobbers x0-x7.
 */
cdt_unlink:
    ldr x1, [x0, #SLOT_CDT]
    ubfx x2, x1, #CAPCDT_PARENT_SHIFT, #CAPCDT_PARENT_WIDTH
    ubfx x3, x1, #CAPCDT_PREV_SIBLING_SHIFT, #CAPCDT_PREV_SIBLING_WIDTH
    mov x1, x30
    bl cdt_replace
    mov x30, x1
    stp xzr, xzr, [x0]
    stp xzr, xzr, [x0, #16]
    ret

/*
 * cdt_move: spec: cspace.move. Move the childless capability in slot x0 to the empty slot x1 as
 * info x2 and data x3 (its object stays); it takes the old slot's place among its parent's
 * children. Clobbers x0-x7.
 */
cdt_move:
    str x2, [x1, #SLOT_INFO]
    str x3, [x1, #SLOT_DATA]
    ldr x2, [x0, #SLOT_OBJ]
    str x2, [x1, #SLOT_OBJ]
    ldr x2, [x0, #SLOT_CDT]
    str x2, [x1, #SLOT_CDT]
    ubfx x2, x2, #CAPCDT_PARENT_SHIFT, #CAPCDT_PARENT_WIDTH
    va_to_pa x3, x1
    mov x1, x30
    bl cdt_replace
    mov x30, x1
    stp xzr, xzr, [x0]
    stp xzr, xzr, [x0, #16]
    ret
