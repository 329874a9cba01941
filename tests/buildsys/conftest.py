"""Fixtures for build tests: tiny assembly programs built through the real pipeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlk.kernel_aarch64.build import BuildResult, build

Builder = Callable[..., BuildResult]


@pytest.fixture
def build_program(tmp_path: Path) -> Builder:
    """Build ``files`` (name -> text; the root is ``prog.S``) in a fresh directory."""

    def run(files: dict[str, str], out: str = "out") -> BuildResult:
        src = tmp_path / "src"
        src.mkdir(exist_ok=True)
        for name, text in files.items():
            (src / name).write_text(text)
        return build(tmp_path / out, source_dir=src, root="prog.S")

    return run
