"""The building blocks of the encoded transitions: field updates, errors, events.

The encoding is the spec's second definition. Each spec function is a method of
:class:`~mlk.proofs.enc.Kernel` (one mixin per spec module) that maps an encoded state
(:class:`~mlk.proofs.symstate.SymState`) to the next, with the same branch structure and order of
effects as the spec. A spec ``if`` becomes :meth:`SymState.select` of both branches; a check that
raises :class:`~mlk.model.errors.KernelError` becomes a term that is the first failing check's
error (:func:`first_error`), after which the effect is applied only where it is OK.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from mlk.abi.errors import Error
from mlk.abi.syscalls import CONTEXT_REGS
from mlk.proofs.symstate import SymState
from mlk.proofs.terms import NONE, CArray, Val, guarded, ite, select, store

OK = int(Error.OK)


def get(s: SymState, name: str, key: Val) -> Val:
    """Field ``name`` at ``key``."""
    return select(s.f[name], key)


def get2(s: SymState, name: str, k1: Val, k2: Val) -> Val:
    """Two-level field ``name`` at ``k1``, ``k2``."""
    return select(select(s.f[name], k1), k2)


def put(s: SymState, name: str, key: Val, value: Val) -> SymState:
    """``s`` with field ``name`` at ``key`` set to ``value``."""
    return s.but(**{name: store(s.f[name], key, value)})


def put2(s: SymState, name: str, k1: Val, k2: Val, value: Val) -> SymState:
    """``s`` with two-level field ``name`` at ``k1``, ``k2`` set to ``value``."""
    arr = s.f[name]
    return s.but(**{name: store(arr, k1, store(select(arr, k1), k2, value))})


def put_row(s: SymState, name: str, key: Val, row: Val) -> SymState:
    """``s`` with the row of two-level field ``name`` at ``key`` replaced."""
    return s.but(**{name: store(s.f[name], key, row)})


def first_error(checks: Sequence[tuple[Val, Val]], rest: Val = OK) -> Val:
    """The error of the first check (a failure condition and its :class:`Error`, or an error
    term of a nested lookup) that fails, ``rest`` when none does: the spec's checks in order."""
    result = rest
    for failed, error in reversed(checks):
        result = ite(failed, int(error) if isinstance(error, Error) else error, result)
    return result


def when(cond: Val, then: SymState, otherwise: SymState) -> SymState:
    """``then`` where ``cond`` holds, else ``otherwise``."""
    return then.select(otherwise, cond)


def when_stored(cond: Val, then: SymState, otherwise: SymState, fields: tuple[str, ...]) -> SymState:
    """``when(cond, then, otherwise)``, with the ``fields`` that ``then`` stores into
    ``otherwise``'s as chains of guarded stores (:func:`~mlk.proofs.terms.guarded`)."""
    return SymState(
        {
            n: guarded(cond, v, otherwise.f[n]) if n in fields else ite(cond, v, otherwise.f[n])
            for n, v in then.f.items()
        }
    )


@dataclass(frozen=True)
class SymEvent:
    """A kernel entry (:mod:`mlk.model.events`), encoded: ``kind`` is one of :data:`SYSCALL`,
    :data:`TICK`, :data:`IRQ`, :data:`FAULT`; ``ctx`` the interrupted thread's registers (an array
    over register numbers), present when ``has_ctx``; ``irq`` the line of an interrupt; ``fkind``,
    ``esr``, ``far`` those of a user fault."""

    kind: Val
    has_ctx: Val
    ctx: Val
    irq: Val
    fkind: Val
    esr: Val
    far: Val

    @classmethod
    def fresh(cls, tag: str) -> SymEvent:
        """An arbitrary event."""
        return cls(
            z3.Int(f"{tag}.kind"),
            z3.Bool(f"{tag}.has_ctx"),
            z3.Array(f"{tag}.ctx", z3.IntSort(), z3.IntSort()),
            z3.Int(f"{tag}.irq"),
            z3.Int(f"{tag}.fkind"),
            z3.Int(f"{tag}.esr"),
            z3.Int(f"{tag}.far"),
        )

    def reg(self, r: int) -> Val:
        """Register ``r`` of the event's context."""
        return select(self.ctx, r)


SYSCALL, TICK, IRQ, FAULT = 1, 2, 3, 4


def concrete_event(event: object) -> SymEvent:
    """The encoding of a spec event (its registers already reduced as :func:`normal_ctx` does)."""
    from mlk.model.events import FaultEvent, IrqEvent, SyscallEvent, TickEvent, normal_ctx  # noqa: PLC0415

    def regs(ctx: tuple[int, ...] | None) -> CArray:
        return CArray(0, dict(enumerate(normal_ctx(ctx)))) if ctx is not None else CArray(0)

    if isinstance(event, SyscallEvent):
        return SymEvent(SYSCALL, True, regs(event.ctx), NONE, 0, 0, 0)
    if isinstance(event, TickEvent):
        return SymEvent(TICK, event.ctx is not None, regs(event.ctx), NONE, 0, 0, 0)
    if isinstance(event, IrqEvent):
        return SymEvent(IRQ, event.ctx is not None, regs(event.ctx), event.irq, 0, 0, 0)
    assert isinstance(event, FaultEvent)
    return SymEvent(FAULT, True, regs(event.ctx), NONE, event.kind, event.esr, event.far)


#: Registers of a context.
REGS = range(CONTEXT_REGS)


@dataclass(frozen=True)
class OpResult:
    """What an encoded invocation handler returns: the first failing check's error (0: OK), the
    state after its effect (meaningful only when OK), and its reply values: ``count`` values,
    ``values[i]`` for ``i < count`` (an array), ``None`` for no values."""

    error: Val
    state: SymState
    values: Val = None
    count: Val = 0
