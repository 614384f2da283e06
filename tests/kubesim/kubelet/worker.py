"""One pod on the node: its sandbox, containers, restarts with back-off, status and teardown.

Each pod gets a worker thread that syncs the latest pod object it was given, like the kubelet's pod
workers: running the init containers in order (sidecars kept running), then starting the app
containers, starting new ephemeral containers, restarting crashed ones after their back-off,
stopping what is left once the pod is done, and writing the status when it changed.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..contracts import ApiError
from . import containers as resolve
from .initorder import init_actions
from .record import ContainerRecord
from .status import pod_status
from .termination import stop_in_order
from .volumes import prepare_volumes, write_etc_files

if TYPE_CHECKING:
    from . import Kubelet

log = logging.getLogger("kubesim.kubelet")


def _pull_error(ref: str) -> str:
    """containerd's message for an image that cannot be pulled."""
    name = ref if "/" in ref.split(":")[0] and "." in ref.split("/")[0] else f"docker.io/library/{ref}" if "/" not in ref else f"docker.io/{ref}"
    if ":" not in name.rsplit("/", 1)[-1] and "@" not in name:
        name += ":latest"
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{name}": '
        f'failed to resolve reference "{name}": {name}: not found'
    )


class PodWorker:
    """Keeps one pod's containers in line with its spec."""

    def __init__(self, kubelet: Kubelet, pod: dict):
        meta = pod["metadata"]
        self.kubelet = kubelet
        self.namespace, self.name, self.uid = meta.get("namespace", "default"), meta["name"], meta["uid"]
        self.pod = pod
        self.lock = threading.RLock()
        self.wake = threading.Event()
        self.inits: dict[str, ContainerRecord] = {}  # in spec order
        self.records: dict[str, ContainerRecord] = {}
        self.ephemeral: dict[str, ContainerRecord] = {}
        self.sandbox = None
        self.ctx: resolve.PodContext | None = None
        self.started = time.time()
        self.sandbox_retry_at = 0.0  # volumes failed to mount: try the sandbox again then
        self.done = False
        self.killed = False  # the pod is done (KillPod): nothing is started any more
        self.removed = False  # the pod object is gone from the store
        self.dir = kubelet.state_dir / "pods" / self.uid
        self.thread = threading.Thread(target=self._run, name=f"pod-{self.name}", daemon=True)

    # -- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def update(self, pod: dict, *, deleted: bool = False) -> None:
        """A newer pod object (from the watch): sync soon. A pod removed from the store without
        the kubelet (its namespace was deleted) is torn down at once."""
        with self.lock:
            self.pod = pod
            self.removed = self.removed or deleted
        self.wake.set()

    def _run(self) -> None:
        while not self.done and not self.kubelet.stopping.is_set():
            self.wake.clear()
            try:
                self._sync()
            except Exception:  # a bug here must not kill the node: log it and try again later
                log.exception("sync of pod %s/%s failed", self.namespace, self.name)
            if not self.done:
                self.wake.wait(self._next_deadline())

    def _next_deadline(self) -> float:
        times = [r.retry_at for r in self._all_records()] + [self.sandbox_retry_at]
        retry = [t for t in times if t > time.time()]
        return max(0.05, min(retry) - time.time()) if retry else 5.0

    def _all_records(self) -> list[ContainerRecord]:
        with self.lock:
            return list(self.inits.values()) + list(self.records.values()) + list(self.ephemeral.values())

    def _sync(self) -> None:
        with self.lock:
            pod = self.pod
        if self.removed or pod["metadata"].get("deletionTimestamp"):
            self.teardown(0 if self.removed else float(pod["metadata"].get("deletionGracePeriodSeconds") or 0))
            self.kubelet.forget(self)
            return
        if self.sandbox is None and (time.time() < self.sandbox_retry_at or not self._make_sandbox(pod)):
            return
        self._ensure_records(pod)
        if not self.killed:
            self._sync_pod_containers(pod)
        if not self.killed:  # ephemeral containers need no initialized pod, but a live one
            for container in pod["spec"].get("ephemeralContainers") or []:
                self._sync_container(pod, container, self._record(pod, self.ephemeral, container, ephemeral=True))
        self._write_status()

    def _sync_pod_containers(self, pod: dict) -> None:
        """Init containers in order, the app containers once the pod is initialized; KillPod when done."""
        app_started = any(rec.ever_started for rec in self.records.values())
        tend, initialized = init_actions(list(self.inits.values()), app_started)
        started = [self._sync_container(pod, _spec_container(pod, rec), rec) for rec in tend]
        if not initialized:
            if any(self._done(pod, rec) and not rec.completed for rec in tend):  # failed, restartPolicy Never
                self._kill(pod)
            elif any(started):
                self.wake.set()  # the next init container (or the app) may start at once
            return
        for container in pod["spec"].get("containers") or []:
            self._sync_container(pod, container, self.records[container["name"]])
        if all(self._done(pod, rec) for rec in self.records.values()):
            self._kill(pod)  # no app container runs or will run again: the sidecars must not keep the pod

    # -- sandbox ----------------------------------------------------------------------------

    def _make_sandbox(self, pod: dict) -> bool:
        """Volumes first (they can fail on a missing Secret or ConfigMap), then the sandbox."""
        store, node = self.kubelet.store, self.kubelet.node
        shutil.rmtree(self.dir, ignore_errors=True)
        self.ctx = resolve.PodContext(
            pod=pod, pod_ip="", node_name=self.kubelet.node_name, volume_paths={}, etc_files={},
            secrets={s["metadata"]["name"]: s for s in store.list("secrets", self.namespace)[0]},
            configmaps={c["metadata"]["name"]: c for c in store.list("configmaps", self.namespace)[0]},
        )
        try:
            self.ctx.volume_paths = prepare_volumes(self.ctx, self.dir / "volumes", self.kubelet.ca_pem)
        except resolve.ConfigError as e:
            self.kubelet.event(pod, "FailedMount", f"MountVolume.SetUp failed: {e}", "Warning")
            self.sandbox_retry_at = time.time() + 10
            return False
        hostname = pod["spec"].get("hostname") or self.name
        self.sandbox = node.run_sandbox(self.uid, hostname, share_pid=bool(pod["spec"].get("shareProcessNamespace")))
        self.ctx.pod_ip = self.sandbox.ip
        self.ctx.etc_files = write_etc_files(self.dir / "etc", pod, self.sandbox.ip)
        return True

    # -- containers -------------------------------------------------------------------------

    def _ensure_records(self, pod: dict) -> None:
        """Every init and app container has a status from the start (waiting), in spec order."""
        for container in pod["spec"].get("initContainers") or []:
            self._record(pod, self.inits, container, init=True, sidecar=container.get("restartPolicy") == "Always")
        for container in pod["spec"].get("containers") or []:
            self._record(pod, self.records, container)

    def _record(self, pod: dict, table: dict[str, ContainerRecord], container: dict, **kind: bool) -> ContainerRecord:
        """The container's record, made on first sight: waiting as ContainerCreating, or
        PodInitializing in a pod with init containers (the kubelet's default waiting state)."""
        with self.lock:
            rec = table.get(container["name"])
            if rec is None:
                reason = "PodInitializing" if pod["spec"].get("initContainers") else "ContainerCreating"
                rec = table[container["name"]] = ContainerRecord(
                    name=container["name"], image=container.get("image", ""), reason=reason, **kind)
            return rec

    def _sync_container(self, pod: dict, container: dict, rec: ContainerRecord) -> bool:
        """Start the container, or restart it once its back-off allows; True if it runs now."""
        if rec.state == "running" or self._done(pod, rec):
            return False
        if time.time() < rec.retry_at:
            self._show_backoff(rec, pod)
            return False
        self._start(pod, container, rec)
        return rec.state == "running"

    def _done(self, pod: dict, rec: ContainerRecord) -> bool:
        """Exited and not to be restarted."""
        return rec.state == "terminated" and not self._should_restart(pod, rec)

    def _should_restart(self, pod: dict, rec: ContainerRecord) -> bool:
        """Ephemeral containers never; sidecars always; regular init containers after a failure
        unless restartPolicy is Never; app containers as restartPolicy says."""
        if rec.ephemeral:
            return False
        if rec.sidecar:
            return True
        policy = pod["spec"].get("restartPolicy", "Always")
        if rec.init:
            return policy != "Never" and rec.exit_code != 0
        return policy == "Always" or (policy == "OnFailure" and rec.exit_code != 0)

    def _show_backoff(self, rec: ContainerRecord, pod: dict) -> None:
        """A container waiting out its back-off shows CrashLoopBackOff (or ImagePullBackOff)."""
        if rec.state != "terminated" or rec.retry_at <= time.time():
            return
        with self.lock:
            rec.last_terminated = rec.terminated_state()
            rec.state, rec.reason = "waiting", "CrashLoopBackOff"
            rec.message = (
                f"back-off {int(rec.backoff)}s restarting failed container={rec.name} "
                f"pod={self.name}_{self.namespace}({self.uid})"
            )
        self.kubelet.event(pod, "BackOff", "Back-off restarting failed container "
                           f"{rec.name} in pod {self.name}_{self.namespace}({self.uid})", "Warning")

    def _start(self, pod: dict, container: dict, rec: ContainerRecord) -> None:
        kubelet = self.kubelet
        image = kubelet.node.images.resolve(container.get("image", ""))
        if image is None:
            self._image_missing(pod, container, rec)
            return
        if kubelet.start_delay:
            time.sleep(kubelet.start_delay)
        kubelet.event(pod, "Pulled", f'Container image "{container["image"]}" already present on machine', field=rec)
        try:
            spec = self._spec(pod, container, image, rec)
        except resolve.ConfigError as e:
            self._set_waiting(rec, "CreateContainerConfigError", str(e))
            kubelet.event(pod, "Failed", f"Error: {e}", "Warning", field=rec)
            rec.next_backoff(time.time())
            return
        kubelet.event(pod, "Created", f"Created container: {rec.name}", field=rec)
        self._launch(pod, rec, spec, image)

    def _image_missing(self, pod: dict, container: dict, rec: ContainerRecord) -> None:
        ref = container.get("image", "")
        message = _pull_error(ref)
        self.kubelet.event(pod, "Pulling", f'Pulling image "{ref}"', field=rec)
        self.kubelet.event(pod, "Failed", f'Failed to pull image "{ref}": {message}', "Warning", field=rec)
        self._set_waiting(rec, "ErrImagePull", message)
        rec.next_backoff(time.time())
        timer = threading.Timer(2.0, self._pull_backoff, args=(rec, ref))
        timer.daemon = True
        timer.start()

    def _pull_backoff(self, rec: ContainerRecord, image: str) -> None:
        """A moment after ErrImagePull, the kubelet shows ImagePullBackOff until the next attempt."""
        with self.lock:
            if rec.reason == "ErrImagePull" and time.time() < rec.retry_at:
                rec.reason, rec.message = "ImagePullBackOff", f'Back-off pulling image "{image}"'
        self.wake.set()

    def _set_waiting(self, rec: ContainerRecord, reason: str, message: str) -> None:
        with self.lock:
            if rec.state == "terminated":
                rec.last_terminated = rec.terminated_state()
            rec.state, rec.reason, rec.message = "waiting", reason, message

    def _spec(self, pod: dict, container: dict, image, rec: ContainerRecord):
        pid_mode = "pod" if pod["spec"].get("shareProcessNamespace") else "container"
        target = container.get("targetContainerName")
        if rec.ephemeral and target and pid_mode != "pod":
            target_rec = self.records.get(target) or self.inits.get(target)
            if target_rec is None or target_rec.state != "running":
                raise resolve.ConfigError(f'container "{target}" is not running')
            pid_mode = f"target:{target_rec.container_id}"
        instance = rec.restart_count + (1 if rec.ever_started else 0)
        log_dir = self.kubelet.state_dir / "logs" / f"{self.namespace}_{self.name}_{self.uid}" / rec.name
        log_dir.mkdir(parents=True, exist_ok=True)
        term = self.dir / "termination" / f"{rec.name}-{instance}"
        term.parent.mkdir(parents=True, exist_ok=True)
        term.touch()
        term.chmod(0o666)
        self.ctx.pod = pod
        return resolve.build_spec(self.ctx, container, image, pid_mode=pid_mode,
                                  log_path=log_dir / f"{instance}.log", termination_log=term)

    def _new_instance(self, rec: ContainerRecord, spec) -> None:
        """A new container replaces the last one: count the restart, keep the last termination."""
        if rec.ever_started:
            rec.restart_count += 1
        if rec.state == "terminated":
            rec.last_terminated = rec.terminated_state()
        rec.ever_started = True
        rec.container_id, rec.log_path = spec.id, spec.log_path

    def _launch(self, pod: dict, rec: ContainerRecord, spec, image) -> None:
        from ..runtime import StartError

        try:
            handle = self.kubelet.node.start_container(self.sandbox, spec)
        except StartError as e:
            with self.lock:
                self._new_instance(rec, spec)
                now = time.time()
                self._record_exit(rec, 128, "StartError", str(e), now, started=now)
            self.kubelet.event(pod, "Failed", f"Error: {e}", "Warning", field=rec)
            return
        with self.lock:
            self._new_instance(rec, spec)
            rec.state, rec.reason, rec.message, rec.exit_code = "running", "", "", None
            rec.handle, rec.started_at = handle, handle.started_at
            rec.image_ref, rec.image_id = image.name, _image_id(image)
        self.kubelet.event(pod, "Started", f"Started container {rec.name}", field=rec)
        term_path = _spec_container(pod, rec).get("terminationMessagePath") or "/dev/termination-log"
        term = next(m.source for m in spec.mounts if m.target == term_path)
        threading.Thread(target=self._monitor, args=(rec, handle, term), daemon=True,
                         name=f"wait-{self.name}-{rec.name}").start()

    def _monitor(self, rec: ContainerRecord, handle, term: Path) -> None:
        code = handle.wait()
        if self.kubelet.stopping.is_set():
            return
        message = term.read_text(errors="replace")[:4096] if term.is_file() else ""
        with self.lock:
            if rec.handle is handle:
                self._record_exit(rec, code, "Completed" if code == 0 else "Error", message, time.time())
        self.wake.set()

    def _record_exit(self, rec: ContainerRecord, code: int, reason: str, message: str, finished: float,
                     *, started: float | None = None) -> None:
        rec.state, rec.reason, rec.message, rec.exit_code = "terminated", reason, message, code
        rec.finished_at = finished
        if started is not None:
            rec.started_at = started
        if not rec.ephemeral:
            rec.crashed(rec.started_at, finished)

    # -- status and teardown ----------------------------------------------------------------

    def _write_status(self) -> None:
        with self.lock:
            inits = list(self.inits.values())
            regular = list(self.records.values())
            eph = list(self.ephemeral.values())
            pod = self.pod
        if self.kubelet.stopping.is_set():
            return

        def mutate(obj: dict) -> None:
            obj["status"] = pod_status(
                obj.get("status") or {}, regular, eph, inits=inits,
                restart_policy=pod["spec"].get("restartPolicy", "Always"),
                pod_ip=self.sandbox.ip if self.sandbox else "", host_ip="127.0.0.1", started=self.started,
            )

        store = self.kubelet.store
        try:
            current = store.get("pods", self.namespace, self.name)
            probe = dict(current)
            mutate(probe)
            if probe["status"] != current.get("status"):
                store.update("pods", self.namespace, self.name, mutate)
        except ApiError as e:
            if e.code != 404:  # the pod went away meanwhile
                raise

    def _kill(self, pod: dict) -> None:
        """KillPod for a pod that is done: stop what still runs (sidecars, debuggers); start nothing more."""
        self.killed = True
        self._stop_running(float(pod["spec"].get("terminationGracePeriodSeconds", 30)))

    def _stop_running(self, grace: float) -> None:
        """Stop every running container, sidecars last (a Killing event for each first)."""
        with self.lock:
            recs = [r for r in self._all_records() if r.handle is not None and r.state == "running"]
        for rec in sorted(recs, key=lambda r: not r.ephemeral):
            self.kubelet.event(self.pod, "Killing", f"Stopping container {rec.name}", field=rec)
        stop_in_order(recs, grace)

    def teardown(self, grace: float) -> None:
        """Stop every container (sidecars last), the sandbox, and delete the pod object."""
        self.done = True
        self._stop_running(grace)
        if self.sandbox is not None:
            self.kubelet.node.stop_sandbox(self.sandbox)
            self.sandbox = None
        shutil.rmtree(self.dir, ignore_errors=True)
        if not self.removed:
            try:
                self.kubelet.store.delete("pods", self.namespace, self.name)
            except ApiError:
                pass  # already gone

    # -- lookups for streams ----------------------------------------------------------------

    def _find(self, container: str) -> ContainerRecord | None:
        with self.lock:
            return self.records.get(container) or self.inits.get(container) or self.ephemeral.get(container)

    def running_handle(self, container: str):
        """The runtime handle of a running container, or an ApiError as the kubelet answers."""
        with self.lock:
            rec = self._find(container)
            if rec is None or rec.state != "running" or rec.handle is None:
                raise ApiError(404, "NotFound", f'container not found ("{container}")')
            return rec.handle

    def log_source(self, container: str, previous: bool) -> tuple[Path, bool]:
        """(log file, still running) for kubectl logs; ApiError as the kubelet answers."""
        with self.lock:
            rec = self._find(container)
            if rec is None:
                raise ApiError(400, "BadRequest", f'container "{container}" in pod "{self.name}" is not valid')
            if previous:
                if not rec.restart_count or rec.log_path is None:
                    raise ApiError(400, "BadRequest",
                                   f'previous terminated container "{container}" in pod "{self.name}" not found')
                return rec.log_path.with_name(f"{rec.restart_count - 1}.log"), False
            if rec.log_path is None:
                raise ApiError(400, "BadRequest",
                               f'container "{container}" in pod "{self.name}" is waiting to start: {rec.reason}')
            return rec.log_path, rec.state == "running"


def _spec_container(pod: dict, rec: ContainerRecord) -> dict:
    """The record's container in the pod spec."""
    return next(c for c in pod["spec"].get(rec.spec_key) or [] if c["name"] == rec.name)


def _image_id(image) -> str:
    repo = image.name.rsplit(":", 1)[0] if "@" not in image.name else image.name.split("@")[0]
    return f"{repo}@{image.digest}"
