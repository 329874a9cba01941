"""Build configuration: the switches a kernel build can be given (``mlk build --config KEY=VALUE``).

Each switch becomes an ``.equ CONFIG_<KEY>, value`` line in the generated ``config.inc``; the
kernel sources test them with ``.if``. Test builds use :class:`TestHook` to make the kernel do
something on purpose (an undefined instruction at EL1, an endless loop) so that the harness's
handling of it can be tested.
"""

from __future__ import annotations

from enum import IntEnum, unique


class TestHook(IntEnum):
    """What a test build does after printing its banner (``CONFIG_TEST_HOOK``)."""

    NONE = 0
    #: Execute an undefined instruction at EL1: the kernel must panic with ESR/ELR/FAR.
    UNDEF_EL1 = 1
    #: Spin forever: ``mlk run --timeout`` must kill the guest.
    SPIN = 2
    #: Power off with a non-zero status (semihosting exit) instead of zero.
    EXIT_STATUS = 3


@unique
class Scenario(IntEnum):
    """Which user program the build carries as its root task (``CONFIG_SCENARIO``).

    Each scenario is an assembly file under ``asm/user/``; every one is a real kernel build.
    Numbers are unique (``@unique``: two scenarios given one number are an import error, not an
    alias that would build one scenario's program under the other's name).
    """

    #: The root task greets through the debug console and halts with status 0 (the refinement
    #: checker's smallest scenario).
    HELLO = 0
    #: Two threads at one priority alternate by time slice; a higher-priority thread, woken at
    #: tick ``SCHED_WAKE_TICK``, preempts them. The kernel prints ``|`` at every tick.
    SCHED = 1
    #: Threads that read kernel memory, execute an undefined instruction, jump to an unmapped
    #: address, misalign the PC and the SP and make an unknown system call are each stopped while
    #: a low-priority thread goes on and finally halts with status 0.
    FAULTS = 2
    #: An interpreter of scripted system calls and faults, one script per thread, written into
    #: the built image by the differential tests (``mlk difftest``, asm/user/interp.S).
    INTERP = 3
    #: The root task checks CNode and Untyped invocations against the spec's results and error
    #: codes; two threads are stopped by capability faults.
    CAPS = 4
    #: Message passing on endpoints: Send, NBSend, Recv, NBRecv, Call, Reply and ReplyRecv
    #: between threads at several priorities, checked from user space (asm/user/ipc.S).
    IPC = 5
    #: Notifications: Signal, Wait and Poll, badges ORed, delivery to a bound thread, and
    #: TCB Bind/UnbindNotification with every error code (asm/user/ntfn.S).
    NTFN = 6
    #: A capability travelling with a message: the GRANT right, the receive slot, what cannot be
    #: copied, replies that carry none (asm/user/xfer.S).
    XFER = 7
    #: Threads made from untyped memory and driven through TCB invocations (Configure,
    #: SetPriority, Suspend, Resume, ReadRegisters, WriteRegisters), every result and error code
    #: checked from user space; TCBs destroyed while queued and while running.
    TCBS = 8
    #: Frames and page tables: Frame Map/Unmap and Page Table Map/Unmap with every error code,
    #: mappings checked through real memory accesses, and a stale-translation check the final
    #: memory checkpoint judges (asm/user/frames.S).
    FRAMES = 9
    #: Calls and ReplyRecvs the kernel's fast paths take, and ones that fall back to the slow
    #: path for each reason they check (asm/user/fastpath.S).
    FASTPATH = 10
    #: ``BENCH_ROUNDS`` IPC round trips between a client and a server, for ``mlk bench ipc``
    #: (asm/user/ipcbench.S).
    IPCBENCH = 11
    #: Faults delivered on fault endpoints, answered with restarts and a stop; fault endpoints
    #: that cannot take faults (asm/user/faultipc.S).
    FAULTIPC = 12
    #: The default: the root task is init, which starts the console service (owner of the UART
    #: through its device frame and IRQ handler) and two clients that print and echo through it by
    #: IPC (asm/user/init.S, console.S, clients.S).
    SERVICES = 13
    #: Interrupts: IRQControl Issue, IRQHandler SetNotification, Ack and Clear with every error
    #: code, and device interrupts raised through the console UART delivered as signals
    #: (asm/user/irqs.S).
    IRQS = 14
    #: A generated assembly program, one per build: the differential tests write it over
    #: ``asm/user/asmprog.S`` in their copy of the sources (``mlk difftest --mode asm``,
    #: mlk.refinement.difftest.asmprog). The file in the tree is a program that halts. (A number
    #: apart from the hand-written scenarios', which are numbered in order.)
    ASM = 20


#: Every configuration key and its default value.
DEFAULTS: dict[str, int] = {
    "DEBUG": 1,
    "TEST_HOOK": int(TestHook.NONE),
    "TEST_EXIT_STATUS": 0,
    "SCENARIO": int(Scenario.SERVICES),
    #: In the SCHED scenario: the tick at which the kernel wakes the high-priority thread (a test
    #: stand-in for the interrupt-driven wake-ups that notifications bring in a later issue).
    "SCHED_WAKE_TICK": 17,
    #: Write the refinement trace (kernel_aarch64/asm/trace.S, mlk.abi.trace): every transition's
    #: records go to the host file ``trace.bin`` in QEMU's working directory through semihosting.
    #: Off by default so that ``mlk run`` leaves no file behind; the refinement harness
    #: (``mlk refine``) and its tests build with ``TRACE=1``.
    "TRACE": 0,
    #: The fast paths of Call and ReplyRecv (kernel_aarch64/asm/fastpath.S). Their results are the
    #: slow path's; 0 builds the slow path only (``mlk bench ipc`` compares the two).
    "FASTPATH": 1,
    #: In the IPCBENCH scenario: the number of IPC round trips.
    "BENCH_ROUNDS": 100,
}


def resolve(overrides: dict[str, int]) -> dict[str, int]:
    """The full configuration: defaults with ``overrides`` applied; unknown keys are an error."""
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise KeyError(f"unknown build configuration key(s): {', '.join(unknown)} (known: {', '.join(DEFAULTS)})")
    return {**DEFAULTS, **overrides}


def render(config: dict[str, int]) -> str:
    """The ``config.inc`` text for ``config``, with the :class:`TestHook` names as constants."""
    lines = ["/* Generated by mlk.kernel_aarch64.config: do not edit. */"]
    lines += [f".equ TEST_HOOK_{hook.name}, {int(hook)}" for hook in TestHook]
    lines += [f".equ SCENARIO_{scenario.name}, {int(scenario)}" for scenario in Scenario]
    lines += [f".equ CONFIG_{key}, {value:#x}" for key, value in sorted(config.items())]
    return "\n".join(lines) + "\n"
