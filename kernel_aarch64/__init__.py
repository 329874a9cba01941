"""The reference kernel for AArch64: assembly sources and the guarded keystone build."""
