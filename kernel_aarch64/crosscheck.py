"""The capstone cross-check: does every PC-relative reference land where its source says?

Keystone has encoded PC-relative operands wrongly before (``adrp`` against twice the base). After
assembling, the build disassembles every instruction of the image with capstone, an independent
decoder, and checks:

* a source line with a PC-relative instruction (``b``, ``bl``, ``b.cond``, ``cbz``, ``cbnz``,
  ``tbz``, ``tbnz``, ``adr``, literal ``ldr``) decodes to the same kind of instruction, and its
  target is the address of the symbol (or expression) the line names;
* ``ldr xN, =value`` loads from a literal-pool entry that holds that value;
* a line that is not PC-relative does not decode to a PC-relative instruction;
* every instruction lies at a multiple of 4, and the statement after an alignment directive
  (``.balign``, ``.p2align``, ``.align``) lies on the boundary it asks for.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs, CsError
from capstone.arm64 import ARM64_OP_IMM

from mlk.kernel_aarch64.assemble import Assembled
from mlk.kernel_aarch64.diagnostics import BuildError, Origin
from mlk.kernel_aarch64.exprs import evaluate
from mlk.kernel_aarch64.preprocess import split_operands

_BRANCH = re.compile(r"^(b|bl|b\.\w+|cbz|cbnz|tbz|tbnz|adr)$")
_LITERAL_LOADS = ("ldr", "ldrsw", "prfm")
_ALIGN = re.compile(r"^\.(balign|p2align|align)\s+([^,]+)", re.IGNORECASE)


def _disassembler() -> Cs:
    md = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
    md.detail = True
    return md


def _is_pcrel_source(mnemonic: str, operands: list[str]) -> bool:
    if _BRANCH.match(mnemonic):
        return True
    return mnemonic in _LITERAL_LOADS and len(operands) == 2 and not operands[1].startswith("[")


def _is_literal_load_as_mov(
    *,
    mnemonic: str,
    operands: list[str],
    decoded: str,
    imms: list[int],
    names: Mapping[str, int],
    origin: Origin,
    text: str,
) -> bool:
    """Whether ``ldr xN, =value`` was emitted as a ``mov`` of that value (as LLVM does when the
    value has a move encoding); a ``mov`` of any other value is an error."""
    if not (mnemonic == "ldr" and len(operands) == 2 and operands[1].startswith("=")):
        return False
    if decoded != "mov" or len(imms) != 1:
        return False
    want = evaluate(operands[1][1:], names)
    width = 32 if operands[0].strip().lower().startswith("w") else 64
    mask = (1 << width) - 1
    if want is None or (imms[0] & mask) != (want & mask):
        raise BuildError(origin, f"'{text}' was emitted as mov #{imms[0]:#x}, expected {want}")
    return True


def check(asm: Assembled, constants: Mapping[str, int]) -> int:
    """Cross-check ``asm``; return the number of PC-relative references verified.

    Raises :class:`BuildError` at the first statement whose encoding disagrees with its source.
    """
    md = _disassembler()
    names: dict[str, int] = {**constants, **asm.symbols}
    end = asm.base + len(asm.image)
    bounds = [*asm.addresses[1:], end]
    checked = 0
    for st, start, stop in zip(asm.statements, asm.addresses, bounds, strict=True):
        text = st.text.strip()
        if m := _ALIGN.match(text):
            amount = evaluate(m.group(2), constants)
            boundary = amount if m.group(1).lower() == "balign" or amount is None else 1 << amount
            if boundary is None or boundary <= 0:
                raise BuildError(st.origin, f"cannot evaluate the alignment '{m.group(2)}'")
            if stop % boundary:
                raise BuildError(st.origin, f"'{text}' left the next statement at {stop:#x}, not aligned")
        if text.startswith(".") or st.label is not None:
            continue
        if start % 4:
            raise BuildError(st.origin, f"instruction '{text}' at unaligned address {start:#x} (add .balign 4)")
        mnemonic, _, rest = text.partition(" ")
        mnemonic = mnemonic.lower()
        operands = split_operands(rest) if rest.strip() else []
        if stop - start < 4:
            raise BuildError(st.origin, f"instruction '{text}' assembled to {stop - start} bytes")
        code = asm.image[start - asm.base : stop - asm.base]
        try:
            decoded = list(md.disasm(code, start))
        except CsError as exc:
            raise BuildError(st.origin, f"capstone cannot decode '{text}': {exc}") from None
        if len(decoded) * 4 != len(code):
            raise BuildError(st.origin, f"capstone does not decode '{text}' as instructions ({code.hex()})")
        source_pcrel = _is_pcrel_source(mnemonic, operands)
        for insn in decoded:
            imms = [op.imm for op in insn.operands if op.type == ARM64_OP_IMM]
            is_branch = bool(_BRANCH.match(insn.mnemonic))
            is_literal = insn.mnemonic in _LITERAL_LOADS and "[" not in insn.op_str and bool(imms)
            if not (is_branch or is_literal):
                if _is_literal_load_as_mov(
                    mnemonic=mnemonic,
                    operands=operands,
                    decoded=insn.mnemonic,
                    imms=imms,
                    names=names,
                    origin=st.origin,
                    text=text,
                ):
                    continue
                if source_pcrel:
                    raise BuildError(st.origin, f"'{text}' decodes as '{insn.mnemonic} {insn.op_str}'")
                continue
            if not source_pcrel:
                raise BuildError(st.origin, f"'{text}' decodes as PC-relative '{insn.mnemonic} {insn.op_str}'")
            target = imms[-1]
            operand = operands[-1] if operands else ""
            if mnemonic in _LITERAL_LOADS and operand.startswith("="):
                want = evaluate(operand[1:], {**names, ".": insn.address})
                width = 4 if operands[0].strip().lower().startswith("w") else 8
                if not asm.base <= target <= end - width:
                    raise BuildError(st.origin, f"'{text}' loads from {target:#x}, outside the image")
                offset = target - asm.base
                got = struct.unpack_from("<I" if width == 4 else "<Q", asm.image, offset)[0]
                if want is None:
                    raise BuildError(st.origin, f"cannot evaluate '{operand[1:]}' to check its literal")
                if got != want & ((1 << (8 * width)) - 1):
                    raise BuildError(st.origin, f"'{text}': literal at {target:#x} holds {got:#x}, expected {want:#x}")
            else:
                want = evaluate(operand, {**names, ".": insn.address})
                if want is None:
                    raise BuildError(st.origin, f"cannot evaluate the target '{operand}' of '{text}'")
                if target != want:
                    raise BuildError(
                        st.origin,
                        f"'{text}' encodes target {target:#x} but {operand.strip()} is at {want:#x} "
                        f"(decoded: {insn.mnemonic} {insn.op_str})",
                    )
            checked += 1
    return checked
