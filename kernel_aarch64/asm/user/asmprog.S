/*
 * The ASM scenario's program: mlk difftest --mode asm writes a generated program over this file
 * in its own copy of the kernel sources (mlk.refinement.difftest.asmprog.source), one build per
 * program. This one, the file in the tree, is the empty program: the root task halts with 0.
 */
.balign 8
boot_threads:
    .quad 0

root_main:
    mov x0, #0
    b u_halt
