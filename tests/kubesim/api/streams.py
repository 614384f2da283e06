"""pods/log, pods/exec and pods/attach: checks at the API server, then the kubelet's streams."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from ..contracts import ApiError
from . import errors, websocket
from .context import Backend, Request
from .wire import ChunkedWriter, Response, send

_STREAM_FLAGS = ("stdin", "stdout", "stderr", "tty")


def _names(containers: list[dict]) -> str:
    return " ".join(c.get("name", "") for c in containers)


def pick_container(pod: dict, container: str) -> str:
    """The named container (any kind) or the only one, with the apiserver's BadRequest messages."""
    spec, name = pod.get("spec", {}), pod["metadata"]["name"]
    if container:
        every = [c.get("name") for key in ("containers", "initContainers", "ephemeralContainers")
                 for c in spec.get(key) or []]
        if container not in every:
            raise errors.bad_request(f"container {container} is not valid for pod {name}")
        return container
    containers = spec.get("containers") or []
    if len(containers) == 1:
        return containers[0]["name"]
    if not containers:
        raise errors.bad_request(f"a container name must be specified for pod {name}")
    message = f"a container name must be specified for pod {name}, choose one of: [{_names(containers)}]"
    if spec.get("initContainers"):
        message += f" or one of the init containers: [{_names(spec['initContainers'])}]"
    raise errors.bad_request(message)


def _scheduled_pod(backend: Backend, req: Request) -> dict:
    pod = backend.store.get("pods", req.info.namespace, req.info.name)
    if not pod.get("spec", {}).get("nodeName"):
        raise errors.bad_request(f"pod {req.info.name} does not have a host assigned")
    return pod


def serve_log(handler: BaseHTTPRequestHandler, backend: Backend, req: Request) -> None:
    """GET pods/log: text/plain, streamed in chunks with follow=true."""
    pod = backend.store.get("pods", req.info.namespace, req.info.name)
    container = pick_container(pod, req.param("container"))
    if not pod.get("spec", {}).get("nodeName"):
        send(handler, Response(200, b"", "text/plain"))  # nowhere to read from yet: an empty log
        return
    follow = req.flag("follow")
    chunks = backend.kubelet.logs(
        req.info.namespace, req.info.name, container, follow=follow, previous=req.flag("previous"),
        tail_lines=req.int_param("tailLines"), timestamps=req.flag("timestamps"),
        since_seconds=req.int_param("sinceSeconds"), limit_bytes=req.int_param("limitBytes"))
    if not follow:
        send(handler, Response(200, b"".join(chunks), "text/plain"))
        return
    writer = ChunkedWriter(handler, "text/plain")
    try:
        for chunk in chunks:
            if backend.stopping.is_set():
                break
            writer.write(chunk)
    except OSError:
        handler.close_connection = True
    finally:
        writer.close()


def serve_stream(handler: BaseHTTPRequestHandler, backend: Backend, req: Request) -> None:
    """GET pods/exec or pods/attach over WebSocket: validate, upgrade, then pump the kubelet's session."""
    flags = {name: req.flag(name) for name in _STREAM_FLAGS}
    if not (flags["stdin"] or flags["stdout"] or flags["stderr"]):
        raise errors.bad_request("you must specify at least 1 of stdin, stdout, stderr")
    command = req.query.get("command") or []
    if req.info.subresource == "exec" and not command:
        raise errors.bad_request("you must specify at least one command for the container")
    pod = _scheduled_pod(backend, req)
    container = pick_container(pod, req.param("container"))
    protocol = websocket.accept(handler)
    if protocol is None:
        raise errors.bad_request("Upgrade request required")
    handler.kubesim_status = 101
    try:
        if req.info.subresource == "exec":
            session = backend.kubelet.exec(req.info.namespace, req.info.name, container, command, **flags)
        else:
            session = backend.kubelet.attach(req.info.namespace, req.info.name, container, **flags)
    except ApiError as exc:
        websocket.fail(handler, protocol, exc)
        return
    websocket.serve(handler, protocol, session, **flags)
    handler.close_connection = True


def refuse_spdy(handler: BaseHTTPRequestHandler, backend: Backend, req: Request) -> None:
    """POST pods/exec or pods/attach (SPDY, kubectl's fallback): not served by the simulator."""
    raise errors.bad_request("kubesim serves exec and attach over WebSocket only (v5.channel.k8s.io, "
                             "v4.channel.k8s.io); SPDY/3.1 upgrades are not supported")
