/*
 * Deleting capabilities, and destroying an object with its final capability (spec:
 * mlk.model.delete). No deletion loops: a capability with children cannot be deleted, and an
 * object whose destruction would need a loop must be emptied by the user first. Called from the
 * invocations (register use as in invocation.S).
 */

/*
 * cap_check_delete: spec: delete.check_delete. In: x0 = an occupied slot. Fails the invocation
 * with REVOKE_FIRST when it has children, DELETE_FIRST when it is final and its object busy.
 * Clobbers x0-x7.
 */
cap_check_delete:
    ldr x1, [x0, #SLOT_INFO]
    ubfx x2, x1, #CAPINFO_LAST_CHILD_SHIFT, #CAPINFO_LAST_CHILD_WIDTH
    cbnz x2, inv_fail_REVOKE_FIRST
    mov x7, x30
    mov x6, x0
    bl cap_is_final
    mov x30, x7
    cbz x0, cap_check_delete_done
    mov x0, x6
    b cap_object_busy
cap_check_delete_done:
    ret

/*
 * cap_object_busy: spec: delete.is_busy. In: x0 = the slot of a final capability. Fails the
 * invocation with DELETE_FIRST when its object must be emptied first: a CNode with occupied
 * slots, an endpoint with queued threads, a notification with waiters or signalled by an
 * interrupt line, a page table or VSpace with valid entries (vm_table_check_empty), and a CNode
 * or VSpace that is some thread's CSpace root or VSpace (spaces_in_use). Clobbers x0-x7.
 */
cap_object_busy:
    ldr x1, [x0, #SLOT_INFO]
    and x2, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    ldr x3, [x0, #SLOT_OBJ]
    cmp x2, #CAP_CNODE
    b.eq cap_object_busy_space
    cmp x2, #CAP_VSPACE
    b.eq cap_object_busy_space
    cmp x2, #CAP_PAGE_TABLE
    b.eq vm_table_check_empty
    pa_to_va x3, x3
    cmp x2, #CAP_ENDPOINT
    b.eq cap_object_busy_endpoint
    cmp x2, #CAP_NOTIFICATION
    b.eq cap_object_busy_notification
    ret
// A queue with threads in it; a notification's interrupt lines.
cap_object_busy_endpoint:
    ldr w4, [x3, #EP_HEAD]
    cbnz w4, inv_fail_DELETE_FIRST
    ret
cap_object_busy_notification:
    ldr w4, [x3, #NTFN_HEAD]
    cbnz w4, inv_fail_DELETE_FIRST
    ldr w4, [x3, #NTFN_IRQ_REFS]
    cbnz w4, inv_fail_DELETE_FIRST
    ret
// A CNode or VSpace: DELETE_FIRST while a thread uses it, else as for its slots or entries.
cap_object_busy_space:
    mov x6, x30
    stp x1, x2, [sp, #-16]!
    str x3, [sp, #-16]!
    mov x0, x3
    bl spaces_in_use
    ldr x3, [sp], #16
    ldp x1, x2, [sp], #16
    mov x30, x6
    cbnz x0, inv_fail_DELETE_FIRST
    cmp x2, #CAP_VSPACE
    b.eq vm_table_check_empty
    pa_to_va x3, x3
// Any occupied slot among the CNode's 2**radix.
    ubfx x1, x1, #CAPINFO_SIZE_BITS_SHIFT, #CAPINFO_SIZE_BITS_WIDTH
    mov x4, #1
    lsl x4, x4, x1
cap_object_busy_slot:
    ldr x5, [x3], #(1 << CNODE_SLOT_BITS)
    ands x5, x5, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    b.ne inv_fail_DELETE_FIRST
    subs x4, x4, #1
    b.ne cap_object_busy_slot
    ret

/*
 * cap_delete: spec: delete.delete. Delete the capability in slot x0, which passed
 * cap_check_delete: remove the mapping a frame or page-table capability records, unlink it, then,
 * when it was final, destroy its object. Clobbers x0-x7, x24, x25.
 */
cap_delete:
    frame_enter
    mov x24, x0
    ldr x1, [x24, #SLOT_INFO]
    tbz x1, #CAPINFO_MAPPED_SHIFT, cap_delete_unmapped
    and x1, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    cmp x1, #CAP_FRAME
    b.ne cap_delete_table
    bl vm_unmap_frame
    b cap_delete_unmapped
cap_delete_table:
    bl vm_unmap_table
cap_delete_unmapped:
    mov x0, x24
    bl cap_is_final
    mov x25, x0
    ldr x1, [x24, #SLOT_INFO]
    and x1, x1, #(CAPINFO_TYPE_MASK << CAPINFO_TYPE_SHIFT)
    ldr x2, [x24, #SLOT_OBJ]
    stp x1, x2, [sp, #-16]!
    mov x0, x24
    bl cdt_unlink
    ldp x1, x2, [sp], #16
    cbz x25, cap_delete_done
    cmp x1, #CAP_NOTIFICATION
    b.eq cap_delete_notification
    cmp x1, #CAP_IRQ_HANDLER
    b.eq cap_delete_irq_handler
    cmp x1, #CAP_TCB
    b.ne cap_delete_done
    mov x0, x2
    bl destroy_tcb
cap_delete_done:
    frame_leave
    ret
// spec: delete.destroy of an IRQ handler capability: its line becomes INACTIVE (irq.release).
cap_delete_irq_handler:
    mov x0, x2
    bl irq_release
    b cap_delete_done
// spec: delete.destroy of a notification: it is unbound from its thread.
cap_delete_notification:
    pa_to_va x2, x2
    ldr x0, [x2, #NTFN_BOUND]
    cbz x0, cap_delete_done
    pa_to_va x0, x0
    bl thread_unbind
    b cap_delete_done

/*
 * destroy_tcb: spec: delete.destroy_tcb. Destroy the thread whose TCB (physical address) is in
 * x0: it is suspended (thread_suspend: detached from any queue or replier, INACTIVE, its fault
 * forgotten), unbound from its notification, taken off the spaces list (its CSpace and VSpace
 * references go), and the reply right it holds is dropped (its caller stays BLOCKED_ON_REPLY).
 * Destroying the caller leaves it without a reply (x21 = 0).
 */
destroy_tcb:
    frame_enter
    pa_to_va x0, x0
    cmp x0, x19
    b.ne destroy_tcb_other
    mov x21, #0
destroy_tcb_other:
    str x0, [sp, #-16]!
    bl thread_suspend
    ldr x0, [sp]
    bl thread_unbind
    ldr x0, [sp]
    bl spaces_unlink
    ldr x0, [sp], #16
    bl thread_discard_reply
    frame_leave
    ret
