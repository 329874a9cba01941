"""The Sphinx extension: generates the spec pages (:mod:`mlk.docsite.pages`) into ``spec/``
under the source directory when the build starts, and styles proof statuses.

Configuration values: ``mlk_prove_json`` (path of a ``mlk-prove --json`` report; ``None`` or a
missing file: the pages say that no proof run was found), ``mlk_diagram_steps`` (random spec
steps the state diagrams are drawn from). A missing spec registry fails the build with its name.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst.states import Inliner
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from mlk.docsite import pages
from mlk.docsite.registry import DocsError
from mlk.docsite.site import ROOT, Options, gather


def status_role(
    name: str, rawtext: str, text: str, lineno: int, inliner: Inliner, options: object = None, content: object = None
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``:mlk-status:`proved``` : the status as text with the classes ``mlk-status`` and
    ``mlk-<status>`` (the style sheet colours them)."""
    return [nodes.inline(rawtext, text, classes=["mlk-status", f"mlk-{text}"])], []


def generate(app: Sphinx) -> None:
    """Write the generated pages before Sphinx reads the sources."""
    configured = app.config.mlk_prove_json
    options = Options(
        prove_json=Path(configured) if configured else None,
        kernel_dir=ROOT / "kernel_aarch64" / "asm",
        tests_dir=ROOT / "tests",
        diagram_steps=int(app.config.mlk_diagram_steps),
    )
    try:
        site = gather(options)
    except DocsError as exc:
        raise ExtensionError(f"mlk spec browser: {exc}") from exc
    pages.write(site, Path(app.srcdir) / "spec")


def setup(app: Sphinx) -> dict[str, object]:
    """Register the extension."""
    app.add_config_value("mlk_prove_json", None, "env", types=[str, type(None)])
    app.add_config_value("mlk_diagram_steps", 20000, "env", types=[int])
    app.add_role("mlk-status", status_role)
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
