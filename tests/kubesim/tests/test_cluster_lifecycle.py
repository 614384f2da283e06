"""The simulator's own life: it leaves nothing behind, also when killed, and serves every kubectl."""

from __future__ import annotations

import signal

import pytest

from tests.kubesim.harness import debris, start_simulator
from tests.ptydriver import PtyProcess


def test_sigterm_removes_every_process_namespace_mount_cgroup_and_file():
    sim = start_simulator()
    snapshot = sim.snapshot()
    assert len(snapshot.pids) > 10 and any(kind == "net" for kind, _ in snapshot.namespaces)
    assert sim.stop() == 0
    assert debris(snapshot) == []


def test_a_killed_run_leaves_only_files_and_the_next_start_sweeps_them():
    sim = start_simulator("--no-demo")
    snapshot = sim.snapshot()
    sim.process.send_signal(signal.SIGKILL)
    sim.process.wait()
    left = debris(snapshot)
    assert not [d for d in left if d.startswith(("process", "net ", "mnt ", "pid ", "mount"))], left
    assert left  # its state folder (and cgroups) are still there: nothing could remove them
    sim.stop()
    second = start_simulator("--no-demo")
    try:
        assert debris(snapshot) == []
    finally:
        second.stop()


@pytest.mark.parametrize("version", ["1.30", "1.31", "1.33"])
def test_kubectl_versions_exec_and_debug(version):
    """The dispatcher picks the kubectl matching the server: each must exec and debug (1.32 is the
    shared simulator's, tested everywhere else)."""
    sim = start_simulator("--version", version)
    try:
        client = sim.kubectl("version", "-o", "json", check=True).stdout.decode()
        assert f'"minor": "{version.split(".")[1]}"' in client
        r = sim.kubectl("exec", "two", "-c", "sidecar", "--", "sh", "-c", "echo hi; exit 3")
        assert (r.returncode, r.stdout) == (3, b"hi\n")
        term = PtyProcess(["kubectl", "--cache-dir", str(sim.cache_dir), "debug", "web", "-it",
                           "--image=busybox:1.36.1", "--target=app"], env=sim.env())
        try:
            term.expect("If you don't see a command prompt", timeout=60)
            term.send("cat /proc/1/cmdline; echo; echo DONE-$((2*3))\n")
            term.expect("/app")
            term.expect("DONE-6")
            term.send("exit\n")
            term.wait()
        finally:
            term.close()
    finally:
        sim.stop()
