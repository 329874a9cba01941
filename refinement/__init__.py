"""Trace capture and the refinement checker: the kernel's behaviour against the spec."""
