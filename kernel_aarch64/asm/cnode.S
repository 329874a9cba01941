/*
 * The CNode invocations (spec: mlk.model.cnode): Copy, Mint, Move, Mutate, Delete, Revoke. The
 * invoked CNode capability (x20) names the destination CNode, or the CNode whose slot is deleted
 * or revoked; the source is a CNode named by CPtr in the caller's CSpace plus an index. Rights are
 * only ever masked; a badge is set at most once. Register use as in invocation.S.
 */

/*
 * cnode_endpoints: spec: cnode._endpoints. The common checks, in order: the destination index
 * (RANGE_ERROR), the destination is empty (DELETE_FIRST), the source CNode (FAILED_LOOKUP,
 * INVALID_CAPABILITY), the source index (RANGE_ERROR), the source is occupied (FAILED_LOOKUP).
 * Out: x22 = the destination slot, x23 = the source slot.
 */
cnode_endpoints:
    frame_enter
    mov x0, x20
    ldr x1, [x19, #ARG_MR0]
    bl cap_slot_in
    mov x22, x0
    ldr x1, [x22, #SLOT_INFO]
    ands x1, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.ne inv_fail_DELETE_FIRST
    ldr x1, [x19, #ARG_MR1]
    mov x2, #CAP_CNODE
    bl cap_lookup_arg
    ldr x1, [x19, #ARG_MR2]
    bl cap_slot_in
    mov x23, x0
    ldr x1, [x23, #SLOT_INFO]
    ands x1, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.eq inv_fail_FAILED_LOOKUP
    frame_leave
    ret

/*
 * cap_derive: spec: ipc.derive. The capability a copy of (x1 = info, x3 = data) gets, in x1 and
 * x3, with x4 non-zero; x4 = 0 when it may not be copied: untyped, page-table and VSpace
 * capabilities (Copy and Mint fail with ILLEGAL_OPERATION then, a message goes without it). A
 * frame copy starts unmapped.
 */
cap_derive:
    and x4, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x4, #CAP_UNTYPED
    b.eq cap_derive_refused
    cmp x4, #CAP_PAGE_TABLE
    b.eq cap_derive_refused
    cmp x4, #CAP_VSPACE
    b.eq cap_derive_refused
    cmp x4, #CAP_FRAME
    b.ne cap_derive_done
    bfi x1, xzr, #CAPINFO_MAPPED_SHIFT, #CAPINFO_MAPPED_WIDTH
    bfi x1, xzr, #CAPINFO_MAPPED_VSPACE_SHIFT, #CAPINFO_MAPPED_VSPACE_WIDTH
    mov x3, #0
cap_derive_done:
    ret
cap_derive_refused:
    mov x4, #0
    ret

/*
 * cap_mask_rights: spec: cnode.mask_rights. The info word x1 with its rights ANDed with x4 (and
 * with ALL_RIGHTS). Clobbers x5.
 */
cap_mask_rights:
    ubfx x5, x1, #CAPINFO_RIGHTS_SHIFT, #CAPINFO_RIGHTS_WIDTH
    and x5, x5, x4
    bfi x1, x5, #CAPINFO_RIGHTS_SHIFT, #CAPINFO_RIGHTS_WIDTH
    ret

/*
 * cap_set_badge: spec: cnode.set_badge. Apply badge x4 to the capability (x1 = info, x3 = data):
 * an endpoint or notification capability that has a badge cannot get another non-zero one
 * (ILLEGAL_OPERATION); a zero badge, and other kinds, leave it unchanged. Clobbers x5.
 */
cap_set_badge:
    cbz x4, cap_set_badge_done
    and x5, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x5, #CAP_ENDPOINT
    b.eq cap_set_badge_badged
    cmp x5, #CAP_NOTIFICATION
    b.ne cap_set_badge_done
cap_set_badge_badged:
    cbnz x3, inv_fail_ILLEGAL_OPERATION
    mov x3, x4
cap_set_badge_done:
    ret

/*
 * cnode_copy: spec: cnode.copy. MR0 = destination index, MR1 = source CNode CPtr, MR2 = source
 * index, MR3 = rights mask: a derived copy with masked rights, a child of the source.
 */
cnode_copy:
    frame_enter
    bl cnode_endpoints
    ldr x1, [x23, #SLOT_INFO]
    ldr x3, [x23, #SLOT_DATA]
    bl cap_derive
    cbz x4, inv_fail_ILLEGAL_OPERATION
    ldr x4, [x19, #ARG_MR3]
    bl cap_mask_rights
cnode_copy_insert:
    ldr x2, [x23, #SLOT_OBJ]
    mov x0, x22
    mov x4, x23
    bl cdt_insert
    mov x1, #0
    frame_leave
    ret

/*
 * cnode_mint: spec: cnode.mint. As Copy, MR4 = the badge the copy gets.
 */
cnode_mint:
    frame_enter
    bl cnode_endpoints
    ldr x1, [x23, #SLOT_INFO]
    ldr x3, [x23, #SLOT_DATA]
    bl cap_derive
    cbz x4, inv_fail_ILLEGAL_OPERATION
    ldr x4, [x19, #ARG_MR3]
    bl cap_mask_rights
    ldr x4, [x19, #ARG_MR4]
    bl cap_set_badge
    b cnode_copy_insert

/*
 * cnode_move: spec: cnode.move. MR0 = destination index, MR1 = source CNode CPtr, MR2 = source
 * index: the capability moves with its place in the derivation tree; one with children cannot
 * (REVOKE_FIRST).
 */
cnode_move:
    frame_enter
    bl cnode_endpoints
    ldr x1, [x23, #SLOT_INFO]
    ldr x3, [x23, #SLOT_DATA]
cnode_move_checked:
    ubfx x2, x1, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    cbnz x2, inv_fail_REVOKE_FIRST
    mov x2, x1
    mov x0, x23
    mov x1, x22
    bl cdt_move
    mov x1, #0
    frame_leave
    ret

/*
 * cnode_mutate: spec: cnode.mutate. As Move, MR3 = rights mask and MR4 = badge applied on the
 * way; after Move's checks: the badge cannot be set (ILLEGAL_OPERATION), the capability is
 * mapped and its rights would change (ILLEGAL_OPERATION).
 */
cnode_mutate:
    frame_enter
    bl cnode_endpoints
    ldr x1, [x23, #SLOT_INFO]
    ubfx x2, x1, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    cbnz x2, inv_fail_REVOKE_FIRST
    ldr x3, [x23, #SLOT_DATA]
    mov x6, x1
    ldr x4, [x19, #ARG_MR3]
    bl cap_mask_rights
    ldr x4, [x19, #ARG_MR4]
    bl cap_set_badge
    tbz x1, #CAPINFO_MAPPED_SHIFT, cnode_move_checked
    cmp x1, x6
    b.ne inv_fail_ILLEGAL_OPERATION
    b cnode_move_checked

/*
 * cnode_delete: spec: cnode.delete_slot. MR0 = index: delete the capability in that slot of the
 * invoked CNode (RANGE_ERROR when there is none; an empty slot is already done), after
 * cap_check_delete.
 */
cnode_delete:
    frame_enter
    mov x0, x20
    ldr x1, [x19, #ARG_MR0]
    bl cap_slot_in
    mov x22, x0
    ldr x1, [x22, #SLOT_INFO]
    ands x1, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.eq cnode_delete_done
    mov x0, x22
    bl cap_check_delete
    mov x0, x22
    bl cap_delete
cnode_delete_done:
    mov x1, #0
    frame_leave
    ret

/*
 * cnode_revoke: spec: cnode.revoke. MR0 = index: delete the youngest child of the capability in
 * that slot (after cap_check_delete on it) and reply with the number of children left (MR0); an
 * empty slot or one without children replies 0.
 */
cnode_revoke:
    frame_enter
    mov x0, x20
    ldr x1, [x19, #ARG_MR0]
    bl cap_slot_in
    mov x23, x0
    ldr x1, [x23, #SLOT_INFO]
    ubfx x1, x1, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    cbz x1, cnode_revoke_count
    lsl x1, x1, #(CNODE_SLOT_BITS)
    pa_to_va x22, x1
    mov x0, x22
    bl cap_check_delete
    mov x0, x22
    bl cap_delete
// Count the children left: the chain from the youngest through the older siblings.
cnode_revoke_count:
    mov x2, #0
    ldr x1, [x23, #SLOT_INFO]
    ubfx x1, x1, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    lsl x1, x1, #(CNODE_SLOT_BITS)
cnode_revoke_next:
    cbz x1, cnode_revoke_done
    add x2, x2, #1
    pa_to_va x1, x1
    ldr x1, [x1, #SLOT_CDT]
    ubfx x1, x1, #CAPCDT_PREV_SIBLING_SHIFT, #CAPCDT_PREV_SIBLING_WIDTH
    b cnode_revoke_next
cnode_revoke_done:
    adr x0, inv_values
    str x2, [x0]
    mov x1, #1
    frame_leave
    ret
