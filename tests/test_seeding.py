"""A seed alone decides what Hypothesis draws (mlk.seeding): new project constants change nothing."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from hypothesis import given, seed, settings
from hypothesis import strategies as st

#: The range of the drawn numbers, and numbers in it that only the module written below holds.
TOP = 1 << 20
NOVEL = [TOP - 3 - 7919 * k for k in range(40)]


def _draws() -> list[list[int]]:
    """Every list one seeded run of a small property drew."""
    seen: list[list[int]] = []

    @seed(20261125)
    @settings(max_examples=30, database=None, deadline=None)
    @given(st.lists(st.integers(0, TOP), min_size=50, max_size=50))
    def prop(xs: list[int]) -> None:
        seen.append(xs)

    prop()
    return seen


def test_a_new_module_with_constants_does_not_change_a_seeded_run(tmp_path: Path) -> None:
    before = _draws()
    (tmp_path / "novel_constants.py").write_text(f"NUMBERS = {NOVEL!r}\n")
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("novel_constants")
        assert module.NUMBERS == NOVEL
        after = _draws()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("novel_constants", None)
    assert after == before
    assert not {x for xs in after for x in xs} & set(NOVEL)
