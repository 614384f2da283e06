"""Benchmark: the release archive's size, and ``kubectl dshell --help`` wall time through the
archive installed as krew installs it against the same through ``pipx install .``.

    .venv/bin/python -m bench.install_methods [--runs 31] [--archive PATH]

Builds the archive (unless given) and installs both in a scratch folder that is removed at the
end; runs alternate between the two installs so that machine load hits both alike. Prints a
Markdown table for bench/RESULTS.md. Needs the test extra (PyInstaller, pipx).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from packaging_tools.krew_install import install
from packaging_tools.platforms import current
from tests.packaging import installers


def run(step: installers.Install) -> None:
    """Run one install step; its output only if it fails."""
    done = subprocess.run(step.cmd, cwd=step.cwd, env=step.env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{step.name} failed:\n{done.stdout}{done.stderr}")


def wall_ms(cmd: list[str], env: dict[str, str]) -> float:
    """Milliseconds from start to exit of ``cmd``."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000


def prepare(workdir: Path, archive: Path | None) -> tuple[Path, dict[str, Path]]:
    """Build (unless given) the archive, install it as krew does and with pipx; the bin folders."""
    if archive is None:
        (workdir / "build").mkdir()
        step = installers.build(workdir / "build")
        run(step)
        archive = step.result
    krew_root = workdir / "krew"
    install(installers.local_manifest(archive), archive, krew_root, current())
    pipx = installers.pipx(workdir / "pipx")
    run(pipx)
    return archive, {"krew (PyInstaller archive)": krew_root / "bin", "pipx install .": pipx.result}


def measure(bins: dict[str, Path], runs: int) -> dict[str, list[float]]:
    """``kubectl dshell --help`` and the bare executable's ``--help``, alternating installs."""
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for label, bin_dir in bins.items():
            env = installers.plugin_env(bin_dir, dict(os.environ))
            for name, cmd in (("kubectl dshell --help", ["kubectl", "dshell", "--help"]),
                              ("kubectl-dshell --help", [str(bin_dir / "kubectl-dshell"), "--help"])):
                times.setdefault(f"{label}: {name}", []).append(wall_ms(cmd, env))
    return times


def report(archive: Path, unpacked: int, times: dict[str, list[float]], runs: int) -> str:
    """The Markdown section."""
    lines = [f"Archive `{archive.name}`: {archive.stat().st_size:,} bytes "
             f"({archive.stat().st_size / 2**20:.1f} MiB), {unpacked / 2**20:.1f} MiB unpacked.", "",
             f"| command ({runs} runs each) | median ms | min ms | max ms |", "| --- | ---: | ---: | ---: |"]
    for label, values in times.items():
        lines.append(f"| {label} | {statistics.median(values):.0f} | {min(values):.0f} | {max(values):.0f} |")
    return "\n".join(lines)


def main() -> None:
    """Parse, prepare, measure, print; the scratch folder goes in all cases."""
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--archive", type=Path, help="an archive built before (with its .sha256 file beside it)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dshell-bench-"))
    try:
        archive, bins = prepare(workdir, args.archive)
        unpacked = sum(p.stat().st_size for p in (workdir / "krew" / "store").rglob("*") if p.is_file())
        times = measure(bins, args.runs)
        print(report(archive, unpacked, times, args.runs))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
