"""The Z3 encoding of the spec's transitions: a second definition, checked against the spec.

:class:`Kernel` mirrors the spec function by function (one mixin per spec module, see
:mod:`mlk.proofs.enc.base`). ``tests/proofs/test_differential.py`` evaluates it on concrete states
and compares it with :func:`mlk.model.kernel.step`; seeded bugs (:mod:`mlk.proofs.mutants`) are
subclasses that override one method.
"""

from mlk.proofs.enc.base import SymEvent, concrete_event
from mlk.proofs.enc.kernel import Kernel

__all__ = ["Kernel", "SymEvent", "concrete_event"]
