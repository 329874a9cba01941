/*
 * The SERVICES scenario, the default build's root task: init (init.S) starts the console service
 * (console.S), which owns the UART through its device frame and its IRQ handler, and two clients
 * (clients.S) that print and echo through it with the typed messages of mlk.abi.services. The
 * programs share the macros of svclib.S.
 */
.include "svclib.S"
.include "init.S"
.include "console.S"
.include "clients.S"
