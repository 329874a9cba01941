/*
 * Address spaces (spec: mlk.model.vm): the frame and page-table invocations on the real
 * translation tables the MMU walks for user threads (TTBR0_EL1, 48-bit, 4 KiB granule: the VSpace
 * is the level-0 table, page tables are levels 1 to 3, frames are mapped by level-3 page
 * descriptors). Where a frame or page table is mapped is recorded in its capability only
 * (CAPINFO_MAPPED, CAPINFO_MAPPED_VSPACE, and the virtual address in SLOT_DATA). Every removed
 * translation is invalidated in the TLB by ASID and address (vm_tlb_invalidate); adding one needs
 * no invalidation (invalid descriptors are never cached). Register use as in invocation.S.
 */
.equ VM_LEAF_SHIFT, PAGE_BITS
.equ VM_L0_SHIFT, PAGE_BITS + (PT_LEVELS - 1) * PT_INDEX_BITS
.equ VM_INDEX_MASK, (1 << PT_INDEX_BITS) - 1
.equ VM_MAPPING_RIGHTS, RIGHT_READ | RIGHT_WRITE

/*
 * vm_walk: spec: vm.walk. x0 = the VSpace (physical address), x1 = a virtual address: x0 = the
 * level-3 table on the walk for the address (physical address), 0 when an entry on the way is
 * missing. Clobbers x0-x3.
 */
vm_walk:
    mov x2, #VM_L0_SHIFT
vm_walk_level:
    lsr x3, x1, x2
    and x3, x3, #VM_INDEX_MASK
    pa_to_va x0, x0
    ldr x0, [x0, x3, lsl #3]
    tbz x0, #0, vm_walk_missing
    and x0, x0, #PTE_ADDR_MASK
    sub x2, x2, #PT_INDEX_BITS
    cmp x2, #VM_LEAF_SHIFT
    b.ne vm_walk_level
    ret
vm_walk_missing:
    mov x0, #0
    ret

/*
 * vm_tlb_invalidate: drop every cached translation (of any level) of virtual address x1 in the
 * address space whose root table is at physical address x0 (its ASID: VSPACE_ASID), after the
 * descriptor change that made it stale. Clobbers x2, x3.
 */
vm_tlb_invalidate:
    dsb ishst
    ubfx x2, x0, #VSPACE_ASID_SHIFT, #VSPACE_ASID_WIDTH
    lsr x3, x1, #PAGE_BITS
    bfi x3, x2, #TLBI_ASID_SHIFT, #VSPACE_ASID_WIDTH
    tlbi vae1is, x3
    dsb ish
    isb
    ret

/*
 * vm_set_mapping: record in the capability in slot x0 that it is mapped in the VSpace at physical
 * address x1 at virtual address x2 (x1 = 0: unmapped; then x2 = 0). Clobbers x3, x4.
 */
vm_set_mapping:
    ldr x3, [x0, #SLOT_INFO]
    cmp x1, #0
    cset x4, ne
    bfi x3, x4, #CAPINFO_MAPPED_SHIFT, #CAPINFO_MAPPED_WIDTH
    lsr x4, x1, #PAGE_BITS
    bfi x3, x4, #CAPINFO_MAPPED_VSPACE_SHIFT, #CAPINFO_MAPPED_VSPACE_WIDTH
    str x3, [x0, #SLOT_INFO]
    str x2, [x0, #SLOT_DATA]
    ret

/*
 * frame_map: spec: vm.frame_map. MR0 = VSpace CPtr, MR1 = virtual address, MR2 = rights: map the
 * frame with the rights requested, within the capability's, within READ and WRITE. Checks, in
 * order: the capability is mapped already (INVALID_CAPABILITY); the VSpace (FAILED_LOOKUP,
 * INVALID_CAPABILITY); the address is not page aligned (ALIGNMENT_ERROR); it is not below
 * 2**VADDR_BITS (INVALID_ARGUMENT); the rights lack READ (INVALID_ARGUMENT); a table on the way is
 * missing (FAILED_LOOKUP); the level-3 entry is in use (DELETE_FIRST). A frame of RAM is mapped
 * as normal memory, executable at EL0; any other frame (a device's registers) as device memory,
 * never executable; without WRITE the page is read-only.
 * Register roles: x22 the VSpace, x23 the address, x24 the rights, x25 the level-3 entry.
 */
frame_map:
    frame_enter
    ldr x1, [x20, #SLOT_INFO]
    tbnz x1, #CAPINFO_MAPPED_SHIFT, inv_fail_INVALID_CAPABILITY
    ldr x1, [x19, #ARG_MR0]
    mov x2, #CAP_VSPACE
    bl cap_lookup_arg
    ldr x22, [x0, #SLOT_OBJ]
    ldr x23, [x19, #ARG_MR1]
    tst x23, #((1 << PAGE_BITS) - 1)
    b.ne inv_fail_ALIGNMENT_ERROR
    lsr x0, x23, #VADDR_BITS
    cbnz x0, inv_fail_INVALID_ARGUMENT
    ldr x24, [x19, #ARG_MR2]
    ldr x1, [x20, #SLOT_INFO]
    ubfx x1, x1, #CAPINFO_RIGHTS_SHIFT, #CAPINFO_RIGHTS_WIDTH
    and x24, x24, x1
    and x24, x24, #VM_MAPPING_RIGHTS
    tst x24, #RIGHT_READ
    b.eq inv_fail_INVALID_ARGUMENT
    mov x0, x22
    mov x1, x23
    bl vm_walk
    cbz x0, inv_fail_FAILED_LOOKUP
    pa_to_va x0, x0
    ubfx x1, x23, #VM_LEAF_SHIFT, #PT_INDEX_BITS
    add x25, x0, x1, lsl #3
    ldr x1, [x25]
    tbnz x1, #0, inv_fail_DELETE_FIRST
    // The page descriptor.
    ldr x0, [x20, #SLOT_OBJ]
    ldr x1, =PTE_USER_PAGE
    orr x0, x0, x1
    ldr x1, =PTE_USER_NORMAL
    ldr x2, =PTE_USER_DEVICE
    ldr x3, [x20, #SLOT_OBJ]
    ldr x4, =RAM_BASE
    sub x3, x3, x4
    ldr x4, =RAM_SIZE
    cmp x3, x4
    csel x1, x1, x2, lo
    orr x0, x0, x1
    tst x24, #RIGHT_WRITE
    b.ne frame_map_store
    orr x0, x0, #PTE_AP_READ_ONLY
frame_map_store:
    str x0, [x25]
    dsb ishst
    mov x0, x20
    mov x1, x22
    mov x2, x23
    bl vm_set_mapping
    mov x1, #0
    frame_leave
    ret

/*
 * vm_unmap_frame: spec: vm.unmap_frame. Remove the mapping the mapped frame capability in slot
 * x0 records (its capability keeps the record). Clobbers x0-x5.
 */
vm_unmap_frame:
    mov x5, x30
    ldr x4, [x0, #SLOT_INFO]
    ubfx x4, x4, #CAPINFO_MAPPED_VSPACE_SHIFT, #CAPINFO_MAPPED_VSPACE_WIDTH
    lsl x4, x4, #PAGE_BITS
    ldr x1, [x0, #SLOT_DATA]
    mov x0, x4
    bl vm_walk
    pa_to_va x0, x0
    ubfx x2, x1, #VM_LEAF_SHIFT, #PT_INDEX_BITS
    str xzr, [x0, x2, lsl #3]
    mov x0, x4
    mov x30, x5
    b vm_tlb_invalidate

/*
 * frame_unmap: spec: vm.frame_unmap. Remove the capability's mapping; nothing to do when it is
 * unmapped.
 */
frame_unmap:
    frame_enter
    ldr x1, [x20, #SLOT_INFO]
    tbz x1, #CAPINFO_MAPPED_SHIFT, frame_unmap_done
    mov x0, x20
    bl vm_unmap_frame
    mov x0, x20
    mov x1, #0
    mov x2, #0
    bl vm_set_mapping
frame_unmap_done:
    mov x1, #0
    frame_leave
    ret

/*
 * page_table_map: spec: vm.page_table_map. MR0 = VSpace CPtr, MR1 = virtual address: put the
 * page table into the first missing entry of levels 0 to 2 on the walk for the address; it
 * becomes a table of the next level, covering the aligned region around the address, which its
 * capability records. Checks, in order: the capability is mapped already (INVALID_CAPABILITY);
 * the VSpace (FAILED_LOOKUP, INVALID_CAPABILITY); the address is not below 2**VADDR_BITS
 * (INVALID_ARGUMENT); the walk finds tables at all of levels 1 to 3 (DELETE_FIRST).
 * Register roles: x22 the VSpace, x23 the address, x24 the table walked, x25 its level's shift.
 */
page_table_map:
    frame_enter
    ldr x1, [x20, #SLOT_INFO]
    tbnz x1, #CAPINFO_MAPPED_SHIFT, inv_fail_INVALID_CAPABILITY
    ldr x1, [x19, #ARG_MR0]
    mov x2, #CAP_VSPACE
    bl cap_lookup_arg
    ldr x22, [x0, #SLOT_OBJ]
    ldr x23, [x19, #ARG_MR1]
    lsr x0, x23, #VADDR_BITS
    cbnz x0, inv_fail_INVALID_ARGUMENT
    mov x24, x22
    mov x25, #VM_L0_SHIFT
page_table_map_level:
    lsr x0, x23, x25
    and x0, x0, #VM_INDEX_MASK
    pa_to_va x1, x24
    add x1, x1, x0, lsl #3
    ldr x2, [x1]
    tbz x2, #0, page_table_map_here
    and x24, x2, #PTE_ADDR_MASK
    sub x25, x25, #PT_INDEX_BITS
    cmp x25, #VM_LEAF_SHIFT
    b.ne page_table_map_level
    b inv_fail_DELETE_FIRST
page_table_map_here:
    ldr x2, [x20, #SLOT_OBJ]
    orr x2, x2, #PTE_TABLE
    str x2, [x1]
    dsb ishst
    lsr x2, x23, x25
    lsl x2, x2, x25
    mov x0, x20
    mov x1, x22
    bl vm_set_mapping
    mov x1, #0
    frame_leave
    ret

/*
 * vm_table_check_empty: spec: the emptiness checks of vm.page_table_unmap and delete.is_busy.
 * Fails the invocation with DELETE_FIRST when the translation table at physical address x3 has a
 * valid entry. Clobbers x3-x5.
 */
vm_table_check_empty:
    pa_to_va x3, x3
    mov x4, #(1 << PT_INDEX_BITS)
vm_table_check_entry:
    ldr x5, [x3], #8
    tbnz x5, #0, inv_fail_DELETE_FIRST
    subs x4, x4, #1
    b.ne vm_table_check_entry
    ret

/*
 * vm_unmap_table: spec: vm.unmap_table. Remove the entry that maps the page table of the mapped
 * capability in slot x0: found on the walk from its VSpace for the address its capability
 * records. Clobbers x0-x7.
 */
vm_unmap_table:
    ldr x4, [x0, #SLOT_INFO]
    ubfx x4, x4, #CAPINFO_MAPPED_VSPACE_SHIFT, #CAPINFO_MAPPED_VSPACE_WIDTH
    lsl x4, x4, #PAGE_BITS
    ldr x1, [x0, #SLOT_DATA]
    ldr x5, [x0, #SLOT_OBJ]
    mov x6, x4
    mov x2, #VM_L0_SHIFT
vm_unmap_table_level:
    lsr x3, x1, x2
    and x3, x3, #VM_INDEX_MASK
    pa_to_va x7, x6
    add x7, x7, x3, lsl #3
    ldr x6, [x7]
    and x6, x6, #PTE_ADDR_MASK
    cmp x6, x5
    b.eq vm_unmap_table_found
    sub x2, x2, #PT_INDEX_BITS
    b vm_unmap_table_level
vm_unmap_table_found:
    str xzr, [x7]
    mov x0, x4
    b vm_tlb_invalidate

/*
 * page_table_unmap: spec: vm.page_table_unmap. Remove the table from its address space; nothing
 * to do when it is unmapped. A table that still has entries cannot be unmapped (DELETE_FIRST).
 */
page_table_unmap:
    frame_enter
    ldr x1, [x20, #SLOT_INFO]
    tbz x1, #CAPINFO_MAPPED_SHIFT, page_table_unmap_done
    ldr x3, [x20, #SLOT_OBJ]
    bl vm_table_check_empty
    mov x0, x20
    bl vm_unmap_table
    mov x0, x20
    mov x1, #0
    mov x2, #0
    bl vm_set_mapping
page_table_unmap_done:
    mov x1, #0
    frame_leave
    ret
