"""Who the debugger runs as, chosen so that the target is readable without asking and ``/`` is the
app's root wherever the cluster allows it; and what to try next when Pod Security refuses it.

The kernel lets a process read another's /proc/PID/root, environ and fds only with the same
uid and gid, or with CAP_SYS_PTRACE. So, by the namespace's Pod Security level:

* privileged or unset (or unreadable): root with CAP_SYS_PTRACE, kubectl debug's ``general``. Every
  session chroots into the target (``/`` is the app's root, whatever its uid) and then takes the
  target's uid and gid.
* ``baseline`` (which forbids adding SYS_PTRACE): root with the runtime's default capabilities; each
  session switches to the target's uid/gid and starts in /proc/PID/root (a chroot where the target
  is root).
* ``restricted`` (or a pod that demands runAsNonRoot): a restricted-compliant non-root container
  running as the target's uid/gid. When the pod spec does not say them (the image's USER), they
  are guessed (65532, the distroless ``nonroot`` user) and checked once the debugger runs.

A PATCH that Pod Security refuses falls back a level (:func:`fallback`), unless the user forced the
profile. A running debugger of any of these identities can read the target, so it is reused before
any other is made (:func:`possible_identities` lists them best first).

Everything here is pure: pod in, :class:`Identity` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .errors import UsageError
from .options import Overrides, Profile
from .podspec import container_spec

# distroless ":nonroot" images run as 65532:65532; the best guess when the spec says nothing.
NONROOT_GUESS = 65532
PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
PSA_LEVELS = ("privileged", "baseline", "restricted")


@dataclass(frozen=True)
class Identity:
    """The debugger's securityContext and what its sessions do with it.

    ``session_uid``/``session_gid`` force a root debugger's sessions to that identity (from
    ``--uid``/``--gid``); ``verify_ids`` says the restricted debugger's uid/gid are a guess to check.
    """

    profile: Profile
    security_context: dict
    basis: str  # why this profile, e.g. 'the namespace enforces Pod Security "restricted"'
    summary: str  # what the debugger is, e.g. "a restricted debugger running as uid 10001 gid 10001"
    session_uid: int | None = None
    session_gid: int | None = None
    verify_ids: bool = False

    @property
    def reason(self) -> str:
        """Why and what, for the banner."""
        return f"{self.basis}: {self.summary}"


def psa_level(labels: dict | None) -> str | None:
    """The namespace's enforced Pod Security level: "" when it sets none, None when unreadable."""
    if labels is None:
        return None
    level = labels.get(PSA_ENFORCE_LABEL)
    return level if level in PSA_LEVELS else ""


def target_ids(pod: dict, container: str) -> tuple[int | None, int | None]:
    """The target's uid and gid as the spec sets them (container first, then pod), or None."""
    spec = pod.get("spec") or {}
    pod_sc = spec.get("securityContext") or {}
    ctr = container_spec(pod, container)
    ctr_sc = ctr.get("securityContext") or {}
    uid = ctr_sc.get("runAsUser", pod_sc.get("runAsUser"))
    gid = ctr_sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    return uid, gid


def requires_nonroot(pod: dict) -> bool:
    """Whether the pod-level runAsNonRoot (inherited by ephemeral containers) forbids root."""
    return ((pod.get("spec") or {}).get("securityContext") or {}).get("runAsNonRoot") is True


def _pick_profile(pod: dict, level: str | None, forced: Profile | None) -> tuple[Profile, str]:
    if forced is not None:
        return forced, f"--profile {forced.value}"
    if level == "restricted":
        return Profile.RESTRICTED, 'the namespace enforces Pod Security "restricted"'
    if requires_nonroot(pod):
        return Profile.RESTRICTED, "the pod requires runAsNonRoot"
    if level == "baseline":
        return Profile.BASELINE, 'the namespace enforces Pod Security "baseline"'
    if level is None:
        return Profile.GENERAL, "the namespace's Pod Security level cannot be read"
    if not level:
        return Profile.GENERAL, "the namespace sets no Pod Security level"
    return Profile.GENERAL, f'the namespace enforces Pod Security "{level}"'


def as_root() -> dict:
    """Run as root explicitly: a pod-level runAsUser/runAsGroup would otherwise be inherited."""
    return {"runAsUser": 0, "runAsGroup": 0}


def allow_process_tracing(sc: dict) -> dict:
    """Add CAP_SYS_PTRACE: read any process's root, environ and fds (baseline forbids it)."""
    return {**sc, "capabilities": {"add": ["SYS_PTRACE"]}}


def privileged(sc: dict) -> dict:
    """All capabilities and host devices: kubectl debug's sysadmin profile."""
    return {**sc, "privileged": True}


def restricted(uid: int, gid: int) -> dict:
    """Pod Security "restricted": non-root, no privilege escalation, drop ALL, seccomp RuntimeDefault."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": gid,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _restricted_identity(pod: dict, container: str, ov: Overrides, why: str) -> Identity:
    if ov.uid == 0:
        raise UsageError("--uid 0 is root, which a restricted debugger cannot be")
    spec_uid, spec_gid = target_ids(pod, container)
    if ov.uid is None and spec_uid == 0:
        raise UsageError(
            f"the target runs as root and {why}: a non-root debugger cannot read a root process",
            "use --profile baseline or general where the namespace allows a root debugger",
        )
    uid = ov.uid if ov.uid is not None else spec_uid
    gid = ov.gid if ov.gid is not None else (ov.uid if ov.uid is not None else spec_gid)
    verify = ov.uid is None and (spec_uid is None or (ov.gid is None and spec_gid is None))
    uid = NONROOT_GUESS if uid is None else uid
    gid = uid if gid is None else gid
    summary = f"a restricted debugger running as uid {uid} gid {gid}"
    if verify:
        summary += " (a guess: the image's USER is not in the pod spec)"
    return Identity(Profile.RESTRICTED, restricted(uid, gid), why, summary, verify_ids=verify)


def _root_identity(profile: Profile, ov: Overrides, why: str) -> Identity:
    sc, what = {
        Profile.BASELINE: (as_root(), "a root debugger with the runtime's default capabilities"),
        Profile.GENERAL: (allow_process_tracing(as_root()), "a root debugger with CAP_SYS_PTRACE"),
        Profile.SYSADMIN: (privileged(as_root()), "a privileged root debugger"),
    }[profile]
    gid = ov.gid if ov.gid is not None else ov.uid
    return Identity(profile, sc, why, what, session_uid=ov.uid, session_gid=gid)


def choose_identity(pod: dict, container: str, level: str | None, overrides: Overrides) -> Identity:
    """The debugger's identity for this target, namespace Pod Security ``level`` and overrides."""
    profile, why = _pick_profile(pod, level, overrides.profile)
    if profile is Profile.RESTRICTED:
        return _restricted_identity(pod, container, overrides, why)
    if requires_nonroot(pod):
        raise UsageError(
            f"the pod requires runAsNonRoot: the kubelet refuses a root debugger ({why})",
            "drop --profile, or use --profile restricted",
        )
    return _root_identity(profile, overrides, why)


def possible_identities(pod: dict, container: str, overrides: Overrides) -> list[Identity]:
    """Each different identity :func:`choose_identity` picks under some Pod Security level, best
    first (the one that sees most): one when the level cannot change the choice (a forced profile, a
    runAsNonRoot pod)."""
    found: list[Identity] = []
    for level in ("", "baseline", "restricted"):  # "privileged" picks as "" does
        try:
            identity = choose_identity(pod, container, level, overrides)
        except UsageError:
            continue
        if all(identity.security_context != seen.security_context for seen in found):
            found.append(identity)
    return found


def fallback(identity: Identity, pod: dict, container: str, overrides: Overrides, level: str) -> Identity | None:
    """What to try when Pod Security ``level`` refused a debugger of ``identity``: the identity of the
    level below (general, then baseline, then restricted); None when there is none or the user
    forced the profile (then the refusal is the answer)."""
    if overrides.profile is not None:
        return None
    below = {Profile.GENERAL: "baseline", Profile.BASELINE: "restricted"}.get(identity.profile)
    if below is None:
        return None
    try:
        chosen = choose_identity(pod, container, below, overrides)
    except UsageError:
        return None
    return replace(chosen, basis=f'Pod Security "{level}" refused {identity.summary}')


def refusal_hint(violations: list[str], pod: dict) -> str | None:
    """When Pod Security names older ephemeral containers of the pod, say so: they stay forever and
    block every later PATCH (kubernetes#118961), so no identity can help."""
    existing = {c["name"] for c in (pod.get("spec") or {}).get("ephemeralContainers") or []}
    named = {name for violation in violations for name in re.findall(r'"([^"]+)"', violation)}
    culprits = sorted(existing & named)
    if not culprits:
        return None
    return (
        f"the pod already holds ephemeral containers Pod Security rejects ({', '.join(culprits)}); "
        "they stay forever, so recreate the pod to debug it here"
    )


def reusing(identity: Identity, debugger: str) -> Identity:
    """``identity``, explained by the pod's debugger that has it (not by a Pod Security level never read)."""
    return replace(identity, basis=f"the pod's debugger {debugger} fits")


def with_ids(identity: Identity, uid: int, gid: int) -> Identity:
    """The restricted identity again, with the target's real uid/gid in place of a wrong guess."""
    return replace(
        identity,
        security_context=restricted(uid, gid),
        summary=f"a restricted debugger running as the target's uid {uid} gid {gid}",
        verify_ids=False,
    )
