"""Small helpers that write reStructuredText."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

_SPECIAL = re.compile(r"([\\`*_|])")


def text(value: object) -> str:
    """``value`` as inline text, with the characters reStructuredText would interpret escaped."""
    return _SPECIAL.sub(r"\\\1", str(value))


def literal(value: object) -> str:
    """``value`` as an inline literal."""
    body = str(value).replace("`", "'")
    return f"``{body}``" if body else "(empty)"


def heading(title: str, char: str = "=", overline: bool = False) -> str:
    """A section title underlined (and overlined) with ``char``."""
    line = char * max(len(title), 3)
    return f"{line}\n{title}\n{line}\n\n" if overline else f"{title}\n{line}\n\n"


def label(name: str) -> str:
    """A reference target for ``:ref:``."""
    return f".. _{name}:\n\n"


def ref(target: str, title: str) -> str:
    """A link to the reference target ``target``."""
    return f":ref:`{text(title).replace('<', '&lt;')} <{target}>`"


def doc(path: str, title: str) -> str:
    """A link to the document ``path``."""
    return f":doc:`{text(title)} <{path}>`"


def directive(name: str, argument: str = "", options: dict[str, str] | None = None, body: str = "") -> str:
    """A directive block."""
    out = f".. {name}::{' ' + argument if argument else ''}\n"
    for key, value in (options or {}).items():
        out += f"   :{key}:{' ' + value if value else ''}\n"
    if body:
        out += "\n" + textwrap.indent(body.rstrip("\n"), "   ") + "\n"
    return out + "\n"


def code(source: str, language: str = "python", first_line: int | None = None) -> str:
    """A highlighted code block, numbered from ``first_line`` when given."""
    options = {"linenos": "", "lineno-start": str(first_line)} if first_line is not None else {}
    return directive("code-block", language, options, textwrap.dedent(source) or " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: str = "auto", classes: str = "") -> str:
    """A ``list-table`` whose cells are already reStructuredText."""
    if not rows:
        return "(none)\n\n"
    options = {"header-rows": "1", "widths": widths}
    if classes:
        options["class"] = classes
    body = ""
    for row in (headers, *rows):
        body += "* - " + "\n  - ".join(cell.replace("\n", "\n    ") or " " for cell in row) + "\n"
    return directive("list-table", "", options, body)


def paragraph(value: str) -> str:
    """A block of prose (docstrings are taken as reStructuredText)."""
    return value.strip() + "\n\n" if value.strip() else ""
