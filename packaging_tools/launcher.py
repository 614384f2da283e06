"""The script PyInstaller freezes: the ``kubectl-dshell`` console script's entry point.

``kubectl_dshell/__main__.py`` cannot serve: its relative import needs a package around it.
"""

from __future__ import annotations

from kubectl_dshell.cli import main

main()
