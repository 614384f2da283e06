"""Release tooling for kubectl-dshell: the self-contained archives, the krew manifest and krew's rules.

Not part of the installed package: it runs from a checkout (``python -m packaging_tools.build``).
"""
