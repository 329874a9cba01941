/* Macros shared by every kernel source. */

// Push and pop the frame pointer and link register around a call.
.macro frame_enter
    stp x29, x30, [sp, #-16]!
    mov x29, sp
.endm

.macro frame_leave
    ldp x29, x30, [sp], #16
.endm
