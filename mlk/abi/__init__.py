"""The one ABI source of MyLittleKernel.

System call numbers, the register convention, invocation labels, error codes, object and
capability kinds, rights bits, the message-info layout, machine facts and the byte layouts of
kernel structures are defined in this package and nowhere else. :mod:`mlk.abi.asm` renders them as
the assembler include that the kernel sources use.
"""

from mlk.abi.errors import Error
from mlk.abi.labels import Label
from mlk.abi.objects import CapType, ObjectType
from mlk.abi.rights import ALL_RIGHTS, Right
from mlk.abi.syscalls import MSG_REGS, Reg, Syscall

__all__ = ["ALL_RIGHTS", "MSG_REGS", "CapType", "Error", "Label", "ObjectType", "Reg", "Right", "Syscall"]
