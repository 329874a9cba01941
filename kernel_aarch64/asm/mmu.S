/*
 * mmu_enable: build the kernel's translation tables and turn on the MMU and the caches.
 *
 * One level-0 table and one level-1 table of 1 GiB blocks map the kernel window: the device GiB
 * (GIC, UART) as Device-nGnRE and the RAM GiB as normal write-back memory, both for EL1 only and
 * never executable at EL0. TTBR1_EL1 (the high half, where the kernel runs) uses them; so does
 * TTBR0_EL1 until the first thread is entered, as the identity map that _start returns through.
 * Runs with the MMU off; returns with it on.
 */
.equ PTE_SIZE_LOG2, PAGE_BITS - PT_INDEX_BITS
.equ L1_BLOCK_SHIFT, PAGE_BITS + 2 * PT_INDEX_BITS

mmu_enable:
    adr x0, kernel_l0
    adr x1, kernel_l1
    orr x2, x1, #PTE_TABLE
    str x2, [x0]
    ldr x2, =(PTE_KERNEL_DEVICE | (KWIN_DEVICE_GIB << L1_BLOCK_SHIFT))
    str x2, [x1, #(KWIN_DEVICE_GIB << PTE_SIZE_LOG2)]
    ldr x2, =(PTE_KERNEL_RAM | (KWIN_RAM_GIB << L1_BLOCK_SHIFT))
    str x2, [x1, #(KWIN_RAM_GIB << PTE_SIZE_LOG2)]
    dsb ish
    ldr x1, =MAIR_VALUE
    msr mair_el1, x1
    ldr x1, =TCR_VALUE
    msr tcr_el1, x1
    msr ttbr0_el1, x0
    msr ttbr1_el1, x0
    isb
    tlbi vmalle1
    dsb nsh
    isb
    ldr x1, =SCTLR_VALUE
    msr sctlr_el1, x1
    isb
    ret
