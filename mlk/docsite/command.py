"""``mlk docs``: build the spec browser and print where it is.

The Sphinx sources in ``docs/`` are copied into ``<out>/source`` (so that the generated pages
never land in the repository and two builds never share a source directory), then built with
warnings as errors into ``<out>/html``. The proof statuses come from ``--prove-json`` (default
``build/prove.json``, the report ``mlk-prove --json build/prove.json`` writes); without one the
pages say that no proof run was found.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

from mlk.docsite.site import ROOT

DEFAULT_OUT = Path("build") / "docs"
DEFAULT_PROVE_JSON = Path("build") / "prove.json"


def parser() -> argparse.ArgumentParser:
    """The command line of ``mlk docs``."""
    p = argparse.ArgumentParser(prog="mlk docs", description="Build the spec browser (HTML) and print its path.")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT})")
    p.add_argument(
        "--prove-json",
        type=Path,
        default=DEFAULT_PROVE_JSON,
        metavar="FILE",
        help=f"mlk-prove --json report to show (default: {DEFAULT_PROVE_JSON}; missing: no proof run)",
    )
    p.add_argument("--diagram-steps", type=int, default=20000, help="random spec steps for the state diagrams")
    return p


def main(argv: list[str] | None = None) -> int:
    """Build the site; print the path of its index page. Exit status: Sphinx's (0: built)."""
    args = parser().parse_args(argv)
    source = args.out / "source"
    html = args.out / "html"
    shutil.copytree(ROOT / "docs", source, dirs_exist_ok=True, ignore=shutil.ignore_patterns("spec", "_build"))
    prove_json = args.prove_json.resolve()
    status = build_main(
        [
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-D",
            f"mlk_prove_json={prove_json}",
            "-D",
            f"mlk_diagram_steps={args.diagram_steps}",
            str(source),
            str(html),
        ]
    )
    if status == 0:
        print((html / "index.html").resolve())
    else:
        print("mlk docs: the build failed (see the messages above)", file=sys.stderr)
    return status
