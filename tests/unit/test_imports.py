"""--help must stay fast: nothing heavy (kubernetes, rich) is imported on its path."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
sys.argv = ["kubectl-dshell", "--help"]
from kubectl_dshell import cli
try:
    cli.main()
except SystemExit:
    pass
heavy = sorted(m for m in ("kubernetes", "rich", "urllib3", "websocket", "yaml") if m in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


def test_help_imports_no_kubernetes_client() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=30, check=True)
    assert "Usage: kubectl dshell" in result.stdout
    assert "HEAVY:\n" in result.stderr, result.stderr


def test_cat_and_cp_import_no_report_code() -> None:
    probe = (
        "import sys; import kubectl_dshell.transfer; "
        "print(sorted(m for m in ('kubectl_dshell.views', 'kubectl_dshell.verbs', 'rich.table', 'rich.progress') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.strip() == "[]"
