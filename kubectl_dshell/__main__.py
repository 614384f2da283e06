"""``python -m kubectl_dshell`` runs the plugin."""

from __future__ import annotations

from .cli import main

main()
