/*
 * The SERVICES scenario's root task, init (the default build's root task): it starts the console
 * service and two clients (mlk.abi.services.Child), each in an address space and a CSpace of its
 * own (the CSpace laid out as mlk.abi.services.ChildSlot says), then serves their EXIT requests
 * and fault messages.
 *
 *   console  (INIT_PRIO_CONSOLE) owns the UART: init maps the UART's device frame
 *            (RootSlot.CONSOLE_FRAME) at CONSOLE_UART_VADDR in its address space, moves the frame's
 *            capability to it, and issues the UART's IRQ handler (IRQControl Issue) into its
 *            CSpace with a notification for the interrupt; it serves write and read requests
 *            (console.S).
 *   printer  (INIT_PRIO_PRINTER) prints a few lines through the console and exits (clients.S).
 *   echo     (INIT_PRIO_ECHO, so it starts once the printer is done) echoes what it reads from the
 *            console until SVC_END_OF_INPUT, then exits.
 *
 * A child's address space maps, at their addresses in init's, the pages of its program (readable)
 * and of its stack (writable), each through a copy of the image frame's capability, with a level
 * 1, 2 and 3 page table of its own around ROOT_IMAGE_VADDR; only the console's maps the UART. Its
 * fault endpoint is its badged capability to init's endpoint. When both clients have exited with
 * status 0, init halts the machine with status 0. A failed invocation of init's halts it with the
 * step's number (x19); a client's non-zero exit status halts it with that status; a child's fault
 * halts it with INIT_FAULT_STATUS + the child's number (after a line on the kernel's debug console).
 */
.equ INIT_PRIO_CONSOLE, 200
.equ INIT_PRIO_PRINTER, 100
.equ INIT_PRIO_ECHO, 90
.equ INIT_CLIENTS, 2
.equ INIT_FAULT_STATUS, 0x80
.equ INIT_TABLES, PT_LEVELS - 1

// init's CSpace: its endpoint, the console's endpoint, the UART's notification; per child (at
// BASE + child) a TCB, a CNode and a VSpace, and INIT_TABLES page tables from
// INIT_PT_BASE + INIT_TABLES * (child - 1); from INIT_FRAMES, copies of image frame capabilities.
.equ INIT_UNTYPED, ROOT_SLOT_UNTYPED_FIRST
.equ INIT_EP, ROOT_SLOT_FREE_FIRST
.equ INIT_CONSOLE_EP, INIT_EP + 1
.equ INIT_IRQ_NTFN, INIT_EP + 2
.equ INIT_CHILDREN, CHILD_ECHO
.equ INIT_TCB_BASE, INIT_EP + 2
.equ INIT_CNODE_BASE, INIT_TCB_BASE + INIT_CHILDREN
.equ INIT_VSPACE_BASE, INIT_CNODE_BASE + INIT_CHILDREN
.equ INIT_PT_BASE, INIT_VSPACE_BASE + INIT_CHILDREN + 1
.equ INIT_FRAMES, INIT_PT_BASE + INIT_TABLES * INIT_CHILDREN
.equ RIGHTS_CLIENT, RIGHT_WRITE | RIGHT_GRANT_REPLY
.equ RIGHTS_DATA, RIGHT_READ | RIGHT_WRITE

.balign 8
boot_threads:
    .quad 0

// init_invoke: Call capability \cptr with label \label and \length arguments (x2.. set by the
// caller); anything but ERR_OK fails the step counted in x19.
.macro init_invoke cptr, label, length
    add x19, x19, #1
    sys SYS_CALL, \cptr, \label, \length
    cbnz x0, init_failed
.endm

// init_invoke_reg: as init_invoke, on the capability whose CPtr is in register \reg.
.macro init_invoke_reg reg, label, length
    add x19, x19, #1
    mov x0, \reg
    ldr x1, =(((\label) << MSGINFO_LABEL_SHIFT) | ((\length) << MSGINFO_LENGTH_SHIFT))
    mov x8, #SYS_CALL
    svc #0
    cbnz x0, init_failed
.endm

// init_retype: \count objects of \type (size \size) into init's slots \first...
.macro init_retype type, size, first, count
    mov x2, #(\type)
    mov x3, #(\size)
    mov x4, #ROOT_SLOT_CNODE
    mov x5, #(\first)
    mov x6, #(\count)
    init_invoke INIT_UNTYPED, LABEL_UNTYPED_RETYPE, 5
.endm

// init_give: into slot \dst of child \child's CSpace, a copy of init's \src with \rights and
// badge \badge (Mint; Copy when the badge is 0).
.macro init_give child, dst, src, rights, badge
    mov x2, #(\dst)
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #(\src)
    mov x5, #(\rights)
.if \badge
    mov x6, #(\badge)
    init_invoke INIT_CNODE_BASE + \child, LABEL_CNODE_MINT, 5
.else
    init_invoke INIT_CNODE_BASE + \child, LABEL_CNODE_COPY, 4
.endif
.endm

// init_table: map child \child's page table \index into its VSpace, on the walk to
// ROOT_IMAGE_VADDR (each goes one level deeper than the one before).
.macro init_table child, index
    mov x2, #(INIT_VSPACE_BASE + \child)
    ldr x3, =ROOT_IMAGE_VADDR
    init_invoke INIT_PT_BASE + INIT_TABLES * (\child - 1) + \index, LABEL_PAGE_TABLE_MAP, 2
.endm

// init_space: child \child's address space: its VSpace gets its page tables.
.macro init_space child
    init_retype OBJ_PAGE_TABLE, 0, INIT_PT_BASE + INIT_TABLES * (\child - 1), INIT_TABLES
    init_table \child, 0
    init_table \child, 1
    init_table \child, 2
.endm

// init_map: map the image's pages from label \first up to label \last into child \child's
// address space at the same addresses, with \rights.
.macro init_map child, first, last, rights
    adr x21, \first
    adr x22, \last
    mov x23, #(INIT_VSPACE_BASE + \child)
    mov x24, #(\rights)
    bl init_map_pages
.endm

// init_start: run child \child from \entry on the stack ending at \stack at priority \prio.
.macro init_start child, entry, stack, prio
    mov x2, #CHILD_SLOT_INIT
    mov x3, #(INIT_CNODE_BASE + \child)
    mov x4, #(INIT_VSPACE_BASE + \child)
    init_invoke INIT_TCB_BASE + \child, LABEL_TCB_CONFIGURE, 3
    mov x2, #CTXREG_SP
    mov x3, #2
    adr x4, \stack
    adr x5, \entry
    init_invoke INIT_TCB_BASE + \child, LABEL_TCB_WRITE_REGISTERS, 4
    mov x2, #(\prio)
    init_invoke INIT_TCB_BASE + \child, LABEL_TCB_SET_PRIORITY, 1
    init_invoke INIT_TCB_BASE + \child, LABEL_TCB_RESUME, 0
.endm

root_main:
    mov x19, #0
    mov x25, #INIT_FRAMES
    init_retype OBJ_ENDPOINT, 0, INIT_EP, 2
    init_retype OBJ_NOTIFICATION, 0, INIT_IRQ_NTFN, 1
    init_retype OBJ_TCB, 0, INIT_TCB_BASE + 1, INIT_CHILDREN
    init_retype OBJ_CNODE, CHILD_CNODE_RADIX, INIT_CNODE_BASE + 1, INIT_CHILDREN
    init_retype OBJ_VSPACE, 0, INIT_VSPACE_BASE + 1, INIT_CHILDREN
    // The console service: its program and stack, the UART's frame (mapped first: the capability
    // records the mapping), the UART's IRQ handler and its notification, the endpoint to serve.
    init_space CHILD_CONSOLE
    init_map CHILD_CONSOLE, console_main, console_stack, RIGHT_READ
    init_map CHILD_CONSOLE, console_stack, console_stack_top, RIGHTS_DATA
    mov x2, #(INIT_VSPACE_BASE + CHILD_CONSOLE)
    ldr x3, =CONSOLE_UART_VADDR
    mov x4, #RIGHTS_DATA
    init_invoke ROOT_SLOT_CONSOLE_FRAME, LABEL_FRAME_MAP, 3
    mov x2, #CHILD_SLOT_UART_FRAME
    mov x3, #ROOT_SLOT_CNODE
    mov x4, #ROOT_SLOT_CONSOLE_FRAME
    init_invoke INIT_CNODE_BASE + CHILD_CONSOLE, LABEL_CNODE_MOVE, 3
    mov x2, #UART0_IRQ
    mov x3, #(INIT_CNODE_BASE + CHILD_CONSOLE)
    mov x4, #CHILD_SLOT_IRQ_HANDLER
    init_invoke ROOT_SLOT_IRQ_CONTROL, LABEL_IRQ_CONTROL_ISSUE, 3
    init_give CHILD_CONSOLE, CHILD_SLOT_IRQ_NOTIFICATION, INIT_IRQ_NTFN, RIGHTS_DATA, 0
    init_give CHILD_CONSOLE, CHILD_SLOT_CONSOLE, INIT_CONSOLE_EP, RIGHT_READ, 0
    init_give CHILD_CONSOLE, CHILD_SLOT_INIT, INIT_EP, RIGHTS_CLIENT, CHILD_CONSOLE
    // The clients: the clients' program and each its own stack; init's and the console's
    // endpoints with the client's number as the badge.
    init_space CHILD_PRINTER
    init_map CHILD_PRINTER, clients_main, printer_stack, RIGHT_READ
    init_map CHILD_PRINTER, printer_stack, printer_stack_top, RIGHTS_DATA
    init_give CHILD_PRINTER, CHILD_SLOT_INIT, INIT_EP, RIGHTS_CLIENT, CHILD_PRINTER
    init_give CHILD_PRINTER, CHILD_SLOT_CONSOLE, INIT_CONSOLE_EP, RIGHTS_CLIENT, CHILD_PRINTER
    init_space CHILD_ECHO
    init_map CHILD_ECHO, clients_main, printer_stack, RIGHT_READ
    init_map CHILD_ECHO, echo_stack, echo_stack_top, RIGHTS_DATA
    init_give CHILD_ECHO, CHILD_SLOT_INIT, INIT_EP, RIGHTS_CLIENT, CHILD_ECHO
    init_give CHILD_ECHO, CHILD_SLOT_CONSOLE, INIT_CONSOLE_EP, RIGHTS_CLIENT, CHILD_ECHO
    init_start CHILD_CONSOLE, console_main, console_stack_top, INIT_PRIO_CONSOLE
    init_start CHILD_PRINTER, printer_main, printer_stack_top, INIT_PRIO_PRINTER
    init_start CHILD_ECHO, echo_main, echo_stack_top, INIT_PRIO_ECHO
    // Serve the children: x20 counts the clients that exited.
    mov x20, #0
init_receive:
    sys SYS_RECV, INIT_EP
    lsr x11, x1, #MSGINFO_LABEL_SHIFT
    cmp x11, #SVC_INIT_EXIT_LABEL
    b.ne init_child_faulted
    msg_alloc
    msg_store
    ldr x21, [sp, #(SVC_INIT_EXIT_REQ_MR_STATUS * 8)]
    msg_free
    cbnz x21, init_child_failed
    // The child is done: suspend it (the Call it made stays unanswered).
    add x0, x0, #INIT_TCB_BASE
    ldr x1, =(LABEL_TCB_SUSPEND << MSGINFO_LABEL_SHIFT)
    mov x8, #SYS_CALL
    svc #0
    add x19, x19, #1
    cbnz x0, init_failed
    add x20, x20, #1
    cmp x20, #INIT_CLIENTS
    b.lo init_receive
    mov x0, #0
    b u_halt

init_child_failed:
    mov x0, x21
    b u_halt

// init_child_faulted: child x0 took a fault of kind x11: report it and stop.
init_child_faulted:
    mov x21, x0
    mov x22, x11
    adr x0, init_str_child
    bl u_puts
    mov x0, x21
    bl init_putnum
    adr x0, init_str_fault
    bl u_puts
    mov x0, x22
    bl init_putnum
    mov x0, #0x0a
    bl u_putchar
    add x0, x21, #INIT_FAULT_STATUS
    b u_halt

// init_failed: invocation step x19 failed with error x0: report it and stop with the step number.
init_failed:
    mov x21, x0
    adr x0, init_str_step
    bl u_puts
    mov x0, x19
    bl init_putnum
    adr x0, init_str_error
    bl u_puts
    mov x0, x21
    bl init_putnum
    mov x0, #0x0a
    bl u_putchar
    mov x0, x19
    b u_halt

// init_map_pages: map the image's pages [x21, x22) into the VSpace x23 with rights x24, each
// through a copy of its frame's capability in init's slot x25, x25 + 1, ...
init_map_pages:
    str x30, [sp, #-16]!
init_map_page:
    cmp x21, x22
    b.hs init_map_pages_done
    mov x2, x25
    mov x3, #ROOT_SLOT_CNODE
    adr x4, root_image_start
    sub x4, x21, x4
    lsr x4, x4, #PAGE_BITS
    add x4, x4, #ROOT_SLOT_IMAGE_FIRST
    mov x5, #ALL_RIGHTS
    init_invoke ROOT_SLOT_CNODE, LABEL_CNODE_COPY, 4
    mov x2, x23
    mov x3, x21
    mov x4, x24
    init_invoke_reg x25, LABEL_FRAME_MAP, 3
    add x25, x25, #1
    add x21, x21, #(1 << PAGE_BITS)
    b init_map_page
init_map_pages_done:
    ldr x30, [sp], #16
    ret

// init_putnum: print x0 (below 1000) as three decimal digits. Clobbers x0-x8.
init_putnum:
    stp x22, x30, [sp, #-16]!
    stp x23, x24, [sp, #-16]!
    mov x22, x0
    mov x23, #100
    mov x24, #10
init_putnum_digit:
    udiv x0, x22, x23
    msub x22, x0, x23, x22
    add x0, x0, #0x30
    bl u_putchar
    udiv x23, x23, x24
    cbnz x23, init_putnum_digit
    ldp x23, x24, [sp], #16
    ldp x22, x30, [sp], #16
    ret

init_str_child:
    .asciz "init: child "
init_str_fault:
    .asciz " took a fault of kind "
init_str_step:
    .asciz "init: step "
init_str_error:
    .asciz " failed with error "
.balign 4
