"""The spec browser: a Sphinx site generated from the spec (``mlk.model``), the proofs
(``mlk.proofs``), the ABI (``mlk.abi``), the kernel sources and the tests.

:mod:`mlk.docsite.extension` is the Sphinx extension that writes the generated pages;
:mod:`mlk.docsite.command` is ``mlk docs``.
"""
