"""The debugger's identity, table-driven over the demo pods, Pod Security levels and overrides."""

from __future__ import annotations

import pytest

from kubectl_dshell.errors import UsageError
from kubectl_dshell.identity import (
    choose_identity,
    fallback,
    possible_identities,
    psa_level,
    refusal_hint,
    target_ids,
    with_ids,
)
from kubectl_dshell.options import Overrides, Profile

from .pods import API, MESH, ROOT_APP, TWO, WEB, variant

ROOT = {"runAsUser": 0, "runAsGroup": 0}
PTRACE = {**ROOT, "capabilities": {"add": ["SYS_PTRACE"]}}


def restricted(uid: int, gid: int) -> dict:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": gid,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


NONROOT_POD = variant(WEB, spec={"securityContext": {"runAsNonRoot": True}})
ROOT_BY_SPEC = variant(ROOT_APP, spec={"securityContext": {"runAsUser": 0}})
POD_LEVEL_IDS = variant(WEB, spec={"securityContext": {"runAsUser": 2000, "runAsGroup": 3000}})


@pytest.mark.parametrize(
    ("pod", "container", "level", "overrides", "security_context", "verify", "session"),
    [
        # No Pod Security restriction (or none readable): root with CAP_SYS_PTRACE, sessions chroot.
        (WEB, "app", None, Overrides(), PTRACE, False, (None, None)),
        (WEB, "app", "", Overrides(), PTRACE, False, (None, None)),
        (TWO, "app", "privileged", Overrides(), PTRACE, False, (None, None)),
        # Baseline forbids SYS_PTRACE: root with default caps, sessions switch to the target's ids.
        (ROOT_APP, "app", "baseline", Overrides(), ROOT, False, (None, None)),
        (WEB, "app", "baseline", Overrides(), ROOT, False, (None, None)),
        # Restricted namespace: the target's ids from the spec...
        (API, "api", "restricted", Overrides(), restricted(10001, 10001), False, (None, None)),
        # ...or the distroless guess, to be checked once the debugger runs.
        (WEB, "app", "restricted", Overrides(), restricted(65532, 65532), True, (None, None)),
        (POD_LEVEL_IDS, "app", "restricted", Overrides(), restricted(2000, 3000), False, (None, None)),
        # runAsNonRoot at pod level is inherited by the debugger: it must be non-root too.
        (NONROOT_POD, "app", None, Overrides(), restricted(65532, 65532), True, (None, None)),
        # Overrides.
        (WEB, "app", "baseline", Overrides(profile=Profile.GENERAL), PTRACE, False, (None, None)),
        (WEB, "app", None, Overrides(profile=Profile.SYSADMIN), {**ROOT, "privileged": True}, False, (None, None)),
        (API, "api", None, Overrides(profile=Profile.BASELINE), ROOT, False, (None, None)),
        (WEB, "app", None, Overrides(uid=1000), PTRACE, False, (1000, 1000)),
        (WEB, "app", "baseline", Overrides(uid=1000, gid=50), ROOT, False, (1000, 50)),
        (WEB, "app", "restricted", Overrides(uid=1000), restricted(1000, 1000), False, (None, None)),
        (API, "api", "restricted", Overrides(gid=7), restricted(10001, 7), False, (None, None)),
        (ROOT_APP, "app", None, Overrides(profile=Profile.RESTRICTED, uid=5), restricted(5, 5), False, (None, None)),
    ],
)
def test_identity_table(pod, container, level, overrides, security_context, verify, session) -> None:
    identity = choose_identity(pod, container, level, overrides)
    assert identity.security_context == security_context
    assert identity.verify_ids is verify
    assert (identity.session_uid, identity.session_gid) == session


@pytest.mark.parametrize(
    ("pod", "level", "overrides", "reason"),
    [
        (
            WEB,
            None,
            Overrides(),
            "the namespace's Pod Security level cannot be read: a root debugger with CAP_SYS_PTRACE",
        ),
        (
            WEB,
            "",
            Overrides(),
            "the namespace sets no Pod Security level: a root debugger with CAP_SYS_PTRACE",
        ),
        (
            ROOT_APP,
            "baseline",
            Overrides(),
            'the namespace enforces Pod Security "baseline": a root debugger with the runtime\'s default capabilities',
        ),
        (
            API,
            "restricted",
            Overrides(),
            'the namespace enforces Pod Security "restricted": a restricted debugger running as uid 10001 gid 10001',
        ),
        (
            WEB,
            "restricted",
            Overrides(),
            'the namespace enforces Pod Security "restricted": a restricted debugger running as uid 65532 gid 65532 '
            "(a guess: the image's USER is not in the pod spec)",
        ),
        (
            NONROOT_POD,
            "baseline",
            Overrides(),
            "the pod requires runAsNonRoot: a restricted debugger running as uid 65532 gid 65532 "
            "(a guess: the image's USER is not in the pod spec)",
        ),
        (WEB, "baseline", Overrides(profile=Profile.GENERAL), "--profile general: a root debugger with CAP_SYS_PTRACE"),
    ],
)
def test_identity_says_why(pod, level, overrides, reason) -> None:
    assert choose_identity(pod, pod["spec"]["containers"][0]["name"], level, overrides).reason == reason


@pytest.mark.parametrize(
    ("pod", "level", "overrides"),
    [
        (WEB, "restricted", Overrides(uid=0)),
        (NONROOT_POD, None, Overrides(profile=Profile.BASELINE)),
        (variant(ROOT_APP, spec={"securityContext": {"runAsUser": 0}}), None, Overrides(profile=Profile.RESTRICTED)),
    ],
)
def test_impossible_identities_are_refused(pod, level, overrides) -> None:
    with pytest.raises(UsageError):
        choose_identity(pod, "app", level, overrides)


def test_target_ids_prefer_the_container_over_the_pod() -> None:
    both = variant(API, spec={"securityContext": {"runAsUser": 1, "runAsGroup": 2}})
    assert target_ids(both, "api") == (10001, 10001)
    assert target_ids(POD_LEVEL_IDS, "app") == (2000, 3000)
    assert target_ids(WEB, "app") == (None, None)
    assert target_ids(MESH, "proxy") == (1337, None)  # a native sidecar's own securityContext


@pytest.mark.parametrize(
    ("labels", "level"),
    [
        ({"pod-security.kubernetes.io/enforce": "restricted"}, "restricted"),
        ({"pod-security.kubernetes.io/enforce": "baseline", "other": "x"}, "baseline"),
        ({"pod-security.kubernetes.io/warn": "restricted"}, ""),
        ({}, ""),
        (None, None),
    ],
)
def test_psa_level_reads_the_enforce_label(labels, level) -> None:
    assert psa_level(labels) == level


def test_with_ids_replaces_a_wrong_guess() -> None:
    guessed = choose_identity(WEB, "app", "restricted", Overrides())
    real = with_ids(guessed, 1000, 1001)
    assert real.security_context == restricted(1000, 1001)
    assert real.verify_ids is False
    assert real.reason.endswith("a restricted debugger running as the target's uid 1000 gid 1001")


@pytest.mark.parametrize(
    ("pod", "overrides", "chain"),
    [
        # Each refusal falls back a level: general, baseline, restricted, then nothing.
        (WEB, Overrides(), [Profile.GENERAL, Profile.BASELINE, Profile.RESTRICTED]),
        # A target the spec says is root cannot be read by a restricted debugger: baseline is the last try.
        (ROOT_BY_SPEC, Overrides(), [Profile.GENERAL, Profile.BASELINE]),
        # A profile the user forced is never second-guessed.
        (WEB, Overrides(profile=Profile.GENERAL), [Profile.GENERAL]),
        (WEB, Overrides(profile=Profile.BASELINE), [Profile.BASELINE]),
    ],
)
def test_a_refused_identity_falls_back_a_level_at_a_time(pod, overrides, chain) -> None:
    identity = choose_identity(pod, "app", "", overrides)
    seen = [identity.profile]
    while (identity := fallback(identity, pod, "app", overrides, "baseline:latest")) is not None:
        seen.append(identity.profile)
    assert seen == chain


def test_a_fallback_says_what_was_refused() -> None:
    general = choose_identity(WEB, "app", "", Overrides())
    below = fallback(general, WEB, "app", Overrides(), "baseline:latest")
    assert below.reason == (
        'Pod Security "baseline:latest" refused a root debugger with CAP_SYS_PTRACE: '
        "a root debugger with the runtime's default capabilities"
    )


def test_possible_identities_come_best_first() -> None:
    profiles = [i.profile for i in possible_identities(WEB, "app", Overrides())]
    assert profiles == [Profile.GENERAL, Profile.BASELINE, Profile.RESTRICTED]
    assert [i.profile for i in possible_identities(ROOT_BY_SPEC, "app", Overrides())] == [
        Profile.GENERAL, Profile.BASELINE]


def test_older_debuggers_pod_security_rejects_are_named() -> None:
    pod = variant(WEB, spec={"ephemeralContainers": [{"name": "debugger-old01"}]})
    violations = ['allowPrivilegeEscalation != false (containers "debugger-old01", "dshell-new00" must set it)']
    assert refusal_hint(violations, pod).startswith(
        "the pod already holds ephemeral containers Pod Security rejects (debugger-old01)")
    assert refusal_hint(violations, WEB) is None
