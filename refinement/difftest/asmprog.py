"""Generated assembly programs (``mlk difftest --mode asm``): the model, the source the guarded
keystone build assembles, and what the kernel must report of each thread's entries.

Where the script interpreter (:mod:`mlk.refinement.difftest.program`) can only say "make this
system call", a generated program controls every register: each :class:`AsmStep` first loads all
of ``x0``..``x30`` (``x8`` is the system call number, or the step's scratch register) and,
optionally, a hostile SP, then does one thing:

* ``SYSCALL``: ``svc #0``, then checks that ``x11``..``x30`` and SP survived it;
* ``SPIN``: counts ``x8`` down (timer ticks preempt it), then checks that ``x0``..``x7``,
  ``x9``..``x30`` and SP survived;
* ``UART_EDGE``: raises the console UART's interrupt line once through the thread's mapping of
  its device frame at ``x8``, as the interpreter's step does: the transmit interrupt's mask bit
  (``x9``) off, on, off; the line rises at the second store and the interrupt (when the line is
  not masked) comes before the third; then checks that ``x0``..``x7``, ``x10``..``x30`` and SP
  survived the kernel's interrupt entry and exit;
* a fault on purpose, which stops the thread: ``LOAD``/``STORE`` at an address (data abort),
  ``JUMP`` to an address (instruction abort, or a PC alignment fault when misaligned),
  ``SP_LOAD``: SP set to a hostile value, then a load through it (a data abort: QEMU does not
  implement the SP alignment check), ``UNDEF`` (an undefined instruction).

A register check that fails halts the machine with :data:`CORRUPT_STATUS` plus the register's
number (``x11`` .. ``x30``; :data:`SP_INDEX` for SP), which the harness reports as a kernel bug.
After its last step a thread executes ``UDF`` and stops. Each thread starts by pointing SP at its
own stack label (``asm_stack_T``), so every register value at every kernel entry is known:
:func:`expected_entries` lists them for the harness to compare with the trace's ``SYSCALL`` and
``FAULT`` records (registers, faulting PC, fault kind, exception class, fault address).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from mlk.abi import layout
from mlk.abi.arch import ESR_DABT_WNR, ESR_EC, ExceptionClass
from mlk.abi.labels import FaultLabel
from mlk.abi.objects import ROOT_IMAGE_VADDR
from mlk.abi.platform import Pl011
from mlk.abi.syscalls import CONTEXT_REGS, ContextReg, Reg, Syscall

#: Registers a step loads: x0 .. x30.
GPRS = 31
#: The scratch register of every step (the system call number of a SYSCALL step).
SCRATCH = int(Reg.SYSNO)
#: The registers a check after a system call compares (the kernel may write x0..x10: the spec
#: says how, and the trace shows it).
PRESERVED_BY_SYSCALL = tuple(range(11, GPRS))
#: The registers a check after a spin compares: every one but the spin's counter.
PRESERVED_BY_SPIN = tuple(r for r in range(GPRS) if r != SCRATCH)
#: The register holding the mask bit a UART edge stores (its address is in SCRATCH), and the
#: registers a check after the edge compares: every other one.
EDGE_VALUE = 9
PRESERVED_BY_EDGE = tuple(r for r in range(GPRS) if r not in (SCRATCH, EDGE_VALUE))
#: The second scratch register of the SP check at the end of a step's checks (already checked).
_SPARE_AFTER_SPIN = 9
_SPARE_AFTER_SYSCALL = 10
#: Halt status of a failed register check: CORRUPT_STATUS + the register's number.
CORRUPT_STATUS = 0x80
#: The "register number" of SP in a failed check's status.
SP_INDEX = 31
#: The finisher's priority (below every generated thread), as in the script interpreter.
FINISHER_PRIORITY = 0
#: Most generated threads: the boot's limit, less the finisher.
MAX_THREADS = layout.BOOT_MAX_THREADS - 1


class AsmOp(IntEnum):
    """What a step does after loading its registers."""

    SYSCALL = 1
    SPIN = 2
    LOAD = 3
    STORE = 4
    JUMP = 5
    SP_LOAD = 6
    UNDEF = 7
    UART_EDGE = 8


#: Steps that stop the thread.
FAULTS = frozenset({AsmOp.LOAD, AsmOp.STORE, AsmOp.JUMP, AsmOp.SP_LOAD, AsmOp.UNDEF})


@dataclass(frozen=True)
class AsmStep:
    """One step: ``regs`` are x0..x30 (``x8`` is overwritten by a non-SYSCALL step), ``sp`` a
    value SP gets before the operation (``None``: unchanged), ``value`` the operation's operand
    (the spin count, the address accessed or jumped to, SP_LOAD's SP)."""

    op: AsmOp
    regs: tuple[int, ...]
    value: int = 0
    sp: int | None = None

    def render(self) -> str:
        """One readable line."""
        x = self.regs
        sp = f", sp={self.sp:#x}" if self.sp is not None else ""
        if self.op is AsmOp.SYSCALL:
            number = x[SCRATCH]
            name = Syscall(number).name if number in Syscall._value2member_map_ else f"#{number}"
            args = ", ".join(f"x{i}={v:#x}" for i, v in enumerate(x[: Reg.RECV_SLOT + 1]) if i != SCRATCH)
            return f"{name}({args}; x11..x30 set{sp})"
        if self.op is AsmOp.SPIN:
            return f"spin {self.value} iterations (x0..x30 set{sp}), then check the registers"
        if self.op is AsmOp.UART_EDGE:
            return (f"raise the UART's interrupt line (its device frame mapped at {self.value:#x}; x0..x30 set{sp}), "
                    "then check the registers")  # fmt: skip
        if self.op is AsmOp.UNDEF:
            return f"undefined instruction{sp} (stops)"
        return f"{self.op.name.lower()} {self.value:#x}{sp} (a fault on purpose: stops)"

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"op": self.op.name.lower(), "regs": list(self.regs), "value": self.value, "sp": self.sp}


@dataclass(frozen=True)
class AsmThread:
    """A generated thread: its priority and its steps."""

    priority: int
    steps: tuple[AsmStep, ...]


@dataclass(frozen=True)
class AsmProgram:
    """One thread per entry; thread 0 is the root task."""

    threads: tuple[AsmThread, ...]

    @property
    def syscalls(self) -> int:
        """The number of system call steps."""
        return sum(s.op is AsmOp.SYSCALL for t in self.threads for s in t.steps)

    def render(self) -> str:
        """The program, readably."""
        lines = []
        for i, t in enumerate(self.threads):
            lines.append(f"thread {i} ({'root task' if i == 0 else 'boot thread'}, priority {t.priority}):")
            lines += [f"  {n:3d}. {s.render()}" for n, s in enumerate(t.steps)] or ["  (no steps)"]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (:func:`from_json` reads it back)."""
        return {"mode": "asm", "threads": [{"priority": t.priority, "steps": [s.to_json() for s in t.steps]}
                                           for t in self.threads]}  # fmt: skip


def from_json(data: dict[str, Any]) -> AsmProgram:
    """The program of :meth:`AsmProgram.to_json`'s form."""
    return AsmProgram(tuple(
        AsmThread(int(t["priority"]), tuple(
            AsmStep(AsmOp[s["op"].upper()], tuple(int(v) for v in s["regs"]), int(s["value"]),
                    None if s["sp"] is None else int(s["sp"]))
            for s in t["steps"]))
        for t in data["threads"]))  # fmt: skip


class TooLarge(ValueError):
    """The program has more threads than the boot can make."""


def _label(t: int, s: int, k: int = 0) -> str:
    """The label of step ``s`` of thread ``t`` of program ``k`` of a build."""
    return f"asm_p{k}_t{t}_s{s}"


def _load(reg: str, value: int) -> str:
    return f"    ldr {reg}, ={value & (2**64 - 1):#x}"


def _checks(t: int, s: int, regs: tuple[int, ...], which: tuple[int, ...], sp: str) -> list[str]:
    out = []
    for r in which:
        out += [_load(f"x{SCRATCH}", regs[r]), f"    cmp x{r}, x{SCRATCH}", f"    b.ne asm_bad_x{r}"]
    spare = _SPARE_AFTER_SPIN if _SPARE_AFTER_SPIN in which else _SPARE_AFTER_SYSCALL
    out += [f"    mov x{SCRATCH}, sp", *(_sp_expected(f"x{spare}", sp)), f"    cmp x{SCRATCH}, x{spare}",
            "    b.ne asm_bad_sp"]  # fmt: skip
    return out


def _sp_expected(reg: str, sp: str) -> list[str]:
    return [_load(reg, int(sp))] if sp.isdigit() else [f"    adr {reg}, {sp}"]


#: Bytes of a ``boot_threads`` table entry (:class:`mlk.abi.layout.BootThread`'s four words).
BOOT_ENTRY_BYTES = 32


def source(program: AsmProgram) -> str:
    """The assembly of ``program`` alone (:func:`batch_source` of one program)."""
    return batch_source([program])


def batch_source(programs: list[AsmProgram]) -> str:
    """The assembly of a build holding ``programs`` for the ASM scenario
    (``kernel_aarch64/asm/user/asmprog.S``): each program's ``boot_threads`` table
    (``asm_pK_boot_threads``) and threads' code, and what they share: the ``boot_threads`` table
    the boot reads, ``root_main``, the finisher, the failed checks' halts and the threads' stacks.
    Program 0 is installed; :func:`install` installs another one in the built image (the run of a
    program then needs no build of its own). Raises :class:`TooLarge`."""
    for program in programs:
        if len(program.threads) > MAX_THREADS:
            raise TooLarge(f"{len(program.threads)} threads: at most {MAX_THREADS} with the root task")
    most = max(len(p.threads) for p in programs)
    out = ["/* Generated by mlk.refinement.difftest.asmprog: programs of mlk difftest --mode asm. */",
           ".balign 8", "boot_threads:", *_table(programs[0], 0),
           f"    .space {(most - len(programs[0].threads)) * BOOT_ENTRY_BYTES}",
           "asm_root_entry:", "    .quad 0",  # the root task's entry (a user address): see install
           "", "root_main:", "    adr x8, asm_root_entry", "    ldr x8, [x8]", "    br x8"]  # fmt: skip
    for k, program in enumerate(programs):
        out += ["", ".balign 8", f"asm_p{k}_boot_threads:", *_table(program, k)]
        out += _threads(program, k)
    out += ["", "asm_finisher:", "    mov x0, #0", "    mov x8, #SYS_DEBUG_HALT", "    svc #0", "    .word 0x00000000"]
    for r in (*PRESERVED_BY_SPIN, SP_INDEX):
        name = "sp" if r == SP_INDEX else f"x{r}"
        out += [f"asm_bad_{name}:", f"    mov x0, #{CORRUPT_STATUS + r:#x}", "    mov x8, #SYS_DEBUG_HALT",
                "    svc #0"]  # fmt: skip
    out += ["", ".balign 16"]
    for t in range(most):
        out += ["    .space 64", f"asm_stack_{t}:"]
    return "\n".join(out) + "\n"


def _table(program: AsmProgram, k: int) -> list[str]:
    """Program ``k``'s ``boot_threads`` table: its boot threads, then the finisher."""
    out = [f"    .quad {len(program.threads)}"]
    for t, thread in enumerate(program.threads[1:], start=1):
        out.append(f"    .quad asm_p{k}_thread_{t}, asm_stack_{t}, {thread.priority}, BOOT_START_RUNNABLE")
    out.append(f"    .quad asm_finisher, asm_stack_0, {FINISHER_PRIORITY}, BOOT_START_RUNNABLE")
    return out


def _threads(program: AsmProgram, k: int) -> list[str]:
    """The code of program ``k``'s threads."""
    out: list[str] = []
    for t, thread in enumerate(program.threads):
        out += ["", f"asm_p{k}_thread_{t}:", f"    adr x{SCRATCH}, asm_stack_{t}", f"    mov sp, x{SCRATCH}"]
        sp = f"asm_stack_{t}"
        for s, step in enumerate(thread.steps):
            if step.sp is not None:
                out += [_load(f"x{SCRATCH}", step.sp), f"    mov sp, x{SCRATCH}"]
                sp = str(step.sp & (2**64 - 1))
            out += [_load(f"x{r}", step.regs[r]) for r in range(GPRS)]
            label = _label(t, s, k)
            if step.op is AsmOp.SYSCALL:
                out += [f"{label}:", "    svc #0"]
                out += _checks(t, s, step.regs, PRESERVED_BY_SYSCALL, sp)
            elif step.op is AsmOp.SPIN:
                out += [_load(f"x{SCRATCH}", max(step.value, 1)), f"{label}:", f"    subs x{SCRATCH}, x{SCRATCH}, #1",
                        f"    b.ne {label}"]  # fmt: skip
                out += _checks(t, s, step.regs, PRESERVED_BY_SPIN, sp)
            elif step.op is AsmOp.UART_EDGE:
                out += [_load(f"x{SCRATCH}", step.value), f"    mov w{EDGE_VALUE}, #PL011_INT_TX",
                        f"    str wzr, [x{SCRATCH}, #PL011_IMSC]", f"    str w{EDGE_VALUE}, [x{SCRATCH}, #PL011_IMSC]",
                        f"{label}:", f"    str wzr, [x{SCRATCH}, #PL011_IMSC]"]  # fmt: skip
                out += _checks(t, s, step.regs, PRESERVED_BY_EDGE, sp)
            elif step.op is AsmOp.UNDEF:
                out += [f"{label}:", "    .word 0x00000000    // UDF #0"]
            elif step.op is AsmOp.SP_LOAD:
                out += [_load(f"x{SCRATCH}", step.value), f"    mov sp, x{SCRATCH}", f"{label}:", "    ldr x9, [sp]"]
            else:
                access = {AsmOp.LOAD: "ldr x9, [x8]", AsmOp.STORE: "str x9, [x8]", AsmOp.JUMP: "br x8"}[step.op]
                out += [_load(f"x{SCRATCH}", step.value), f"{label}:", f"    {access}"]
            if step.op in FAULTS:
                break
        out += [f"asm_p{k}_t{t}_end:", "    .word 0x00000000    // UDF #0: the thread's end"]
    return out


def install(image: bytearray, program: AsmProgram, k: int, symbols: dict[str, int]) -> None:
    """Make program ``k`` of a build (``program``) the one that runs, in the built ``image``:
    copy its table over ``boot_threads`` and point ``root_main`` at its root thread."""
    base = symbols["_start"]
    size = 8 + len(program.threads) * BOOT_ENTRY_BYTES
    table = symbols[f"asm_p{k}_boot_threads"] - base
    at = symbols["boot_threads"] - base
    image[at : at + size] = image[table : table + size]
    entry = symbols["asm_root_entry"] - base
    image[entry : entry + 8] = user_address(symbols, f"asm_p{k}_thread_0").to_bytes(8, "little")


@dataclass(frozen=True)
class Entry:
    """What the kernel must record when a thread enters it at a step: a ``SYSCALL`` (``kind``
    0) or a ``FAULT`` of ``kind`` with exception class ``ec``, fault address ``far`` (``None``: not
    checked) and, for data aborts, the write bit; ``regs`` are x0..x10, SP and PC (``None``: not
    known at that point)."""

    step: int
    kind: int
    regs: tuple[int | None, ...]
    ec: int | None = None
    far: int | None = None
    write: bool | None = None

    def compare(self, fields: dict[str, int], record_kind: str) -> list[str]:
        """The differences between this entry and a trace record's fields."""
        problems = []
        want = "SYSCALL" if self.kind == 0 else "FAULT"
        if record_kind != want:
            return [f"step {self.step}: a {record_kind} record where a {want} was due"]
        if self.kind:
            esr = fields["esr"]
            if fields["kind"] != self.kind:
                problems.append(f"step {self.step}: fault kind {fields['kind']}, expected {self.kind} "
                                f"({FaultLabel(self.kind).name})")  # fmt: skip
            if self.ec is not None and ESR_EC.get(esr) != self.ec:
                problems.append(f"step {self.step}: ESR exception class {ESR_EC.get(esr):#x}, expected {self.ec:#x}")
            if self.write is not None and bool(ESR_DABT_WNR.get(esr)) != self.write:
                problems.append(f"step {self.step}: ESR WnR {ESR_DABT_WNR.get(esr)}, expected {int(self.write)}")
            if self.far is not None and fields["far"] != self.far:
                problems.append(f"step {self.step}: fault address {fields['far']:#x}, expected {self.far:#x}")
        for i, want_value in enumerate(self.regs):
            got = fields[f"r{i}"]
            if want_value is not None and got != want_value & (2**64 - 1):
                problems.append(f"step {self.step}: {ContextReg(i).name.lower()} = {got:#x} at entry, "
                                f"expected {want_value & (2**64 - 1):#x}")  # fmt: skip
        return problems


def user_address(symbols: dict[str, int], name: str) -> int:
    """The user virtual address of label ``name`` of the root image."""
    return ROOT_IMAGE_VADDR + symbols[name] - symbols["root_image_start"]


def _in_image(symbols: dict[str, int], address: int) -> bool:
    size = symbols["root_image_end"] - symbols["root_image_start"]
    return ROOT_IMAGE_VADDR <= address < ROOT_IMAGE_VADDR + size


def expected_entries(program: AsmProgram, t: int, symbols: dict[str, int], k: int = 0) -> list[Entry]:
    """The kernel entries thread ``t`` (of program ``k`` of the build) makes, in order, if every
    step runs: one per system call and one for the fault that stops it (a fault step's, or its
    end's undefined instruction).

    A jump to a misaligned address is a PC alignment fault where the address is in the (mapped)
    root image, and an instruction abort elsewhere: measured on QEMU 7.2, which looks up the
    page of the fetch before it checks the PC's alignment."""
    thread = program.threads[t]
    sp: int = user_address(symbols, f"asm_stack_{t}")
    out: list[Entry] = []
    regs: tuple[int | None, ...] = (None,) * CONTEXT_REGS
    for s, step in enumerate(thread.steps):
        if step.sp is not None:
            sp = step.sp & (2**64 - 1)
        at = user_address(symbols, _label(t, s, k))
        known: list[int | None] = [*step.regs[: Reg.RECV_SLOT + 1]]
        if step.op is AsmOp.SYSCALL:
            out.append(Entry(s, 0, (*known, sp, at + 4)))
            regs = (None,) * CONTEXT_REGS  # the kernel's reply may change x0..x10
            continue
        if step.op is AsmOp.SPIN:
            known[SCRATCH] = known[_SPARE_AFTER_SPIN] = None  # the SP check's scratch registers
            regs = (*known, sp, None)
            continue
        if step.op is AsmOp.UART_EDGE:
            known[SCRATCH] = known[_SPARE_AFTER_SYSCALL] = None  # the SP check's scratch registers
            known[EDGE_VALUE] = Pl011.INT_TX
            regs = (*known, sp, None)
            continue
        if step.op is AsmOp.UNDEF:
            out.append(Entry(s, FaultLabel.UNDEFINED_INSTRUCTION, (*known, sp, at), ExceptionClass.UNKNOWN, 0))
            return out
        known[SCRATCH] = step.value
        if step.op is AsmOp.JUMP and step.value & 3 and _in_image(symbols, step.value):
            out.append(Entry(s, FaultLabel.PC_ALIGNMENT, (*known, sp, step.value), ExceptionClass.PC_ALIGN, step.value))
        elif step.op is AsmOp.JUMP:
            out.append(Entry(s, FaultLabel.INSTRUCTION_ABORT, (*known, sp, step.value), ExceptionClass.IABT_LOWER,
                             step.value))  # fmt: skip
        else:
            where = step.value
            if step.op is AsmOp.SP_LOAD:
                sp = step.value & (2**64 - 1)
            out.append(Entry(s, FaultLabel.DATA_ABORT, (*known, sp, at), ExceptionClass.DABT_LOWER, where,
                             step.op is AsmOp.STORE))  # fmt: skip
        return out
    end = user_address(symbols, f"asm_p{k}_t{t}_end")
    out.append(Entry(len(thread.steps), FaultLabel.UNDEFINED_INSTRUCTION, (*regs[:-2], sp, end),
                     ExceptionClass.UNKNOWN, 0))  # fmt: skip
    return out
