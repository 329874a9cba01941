"""MyLittleKernel: a verified-by-construction AArch64 microkernel and its executable specification.

Subpackages: :mod:`mlk.abi` (the one ABI source), :mod:`mlk.model` (the executable spec),
:mod:`mlk.proofs` (Z3 proofs), :mod:`mlk.kernel_aarch64` (the reference kernel and its guarded
build), :mod:`mlk.refinement` (trace capture and the refinement checker).
"""

__version__ = "0.1.0"
