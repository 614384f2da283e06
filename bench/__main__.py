"""``python -m bench``: dshell against kubectl debug and kubectl exec, side by side (see bench/runner.py)."""

from __future__ import annotations

import sys

from .runner import main

sys.exit(main())
