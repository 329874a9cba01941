"""The executable abstract specification of MyLittleKernel."""
