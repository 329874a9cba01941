/*
 * MyLittleKernel for AArch64: the root of the build. Every other source is included from here,
 * in image order. Constants come only from the generated abi.inc and config.inc.
 */
.include "abi.inc"
.include "config.inc"
.include "macros.S"
.include "boot.S"
.include "main.S"
.include "vectors.S"
.include "panic.S"
.include "power.S"
.include "uart.S"
.include "data.S"
