/*
 * The IPCBENCH scenario (mlk bench ipc): CONFIG_BENCH_ROUNDS IPC round trips between the root
 * task, a client, and a server thread (IPCBENCH_PRIO): each a Call with one message register and
 * the server's ReplyRecv echoing it. The first Call finds the server not yet waiting; every later
 * one meets the fast paths' conditions (in a CONFIG_FASTPATH build). Then the root task halts with
 * status 0. The harness takes the instructions the kernel retired up to the halt
 * (KSTATE_HALT_INSTRUCTIONS) for two round counts: their difference over the rounds is one round
 * trip, user loops included (IPCBENCH_USER_INSTRUCTIONS per round trip).
 */
.equ IPCBENCH_PRIO, 100
.equ IPCBENCH_EP, ROOT_SLOT_FREE_FIRST

.balign 8
boot_threads:
    .quad 1
    .quad ipcbench_server, ipcbench_stack, IPCBENCH_PRIO, BOOT_START_RUNNABLE

root_main:
    mov x0, #ROOT_SLOT_UNTYPED_FIRST
    ldr x1, =((LABEL_UNTYPED_RETYPE << MSGINFO_LABEL_SHIFT) | 5)
    mov x2, #OBJ_ENDPOINT
    mov x3, #0
    mov x4, #ROOT_SLOT_CNODE
    mov x5, #IPCBENCH_EP
    mov x6, #1
    mov x8, #SYS_CALL
    svc #0
    cbnz x0, ipcbench_failed
    ldr x19, =CONFIG_BENCH_ROUNDS
    mov x1, #1
    mov x2, #0x42
    cbz x19, ipcbench_done
// One round trip: 5 client instructions, 4 server instructions (IPCBENCH_USER_INSTRUCTIONS).
ipcbench_round:
    mov x0, #IPCBENCH_EP
    mov x8, #SYS_CALL
    svc #0
    subs x19, x19, #1
    b.ne ipcbench_round
ipcbench_done:
    mov x0, #0
    b u_halt
ipcbench_failed:
    mov x0, #1
    b u_halt

ipcbench_server:
    mov x0, #IPCBENCH_EP
    mov x8, #SYS_RECV
    svc #0
ipcbench_serve:
    mov x0, #IPCBENCH_EP
    mov x8, #SYS_REPLY_RECV
    svc #0
    b ipcbench_serve

.balign 16
    .space 256
ipcbench_stack:
