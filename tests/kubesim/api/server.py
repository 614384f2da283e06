"""The simulator's API server: HTTPS (or HTTP) on loopback, authentication, authorization, routing.

Debug endpoint (not Kubernetes; for tests that count round trips from outside the process):
``GET /kubesim/requests?since=N`` answers, to members of system:masters only,
``{"total": T, "requests": [{"seq", "method", "path", "query", "user", "code"}, ...]}``: every
request served so far with a sequence number greater than N (numbers start at 1 and never repeat;
the oldest are dropped past a limit). Its own request is logged too, after the answer.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..contracts import ApiError
from . import auth, bootstrap, errors, impersonation, kubeconfig, requestinfo, router, satokens, tls, wire
from .auth import Rule, User
from .context import Backend, Request
from .kubelet_streams import KubeletStreams

log = logging.getLogger("kubesim.api")

_LOG_LIMIT = 20000
REQUESTS_PATH = "/kubesim/requests"
# Since 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) a WebSocket exec/attach, a GET and so
# authorized as "get", must also be allowed to "create" the subresource.
_CREATE_ALSO_CHECKED_SINCE = 35


@dataclass(frozen=True)
class RequestRecord:
    """One served request, for tests that count round trips."""

    method: str
    path: str
    query: str
    user: str
    code: int
    line: int  # the request line's length in bytes (method, target, version), as a proxy sees it


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"
    kubesim_status = 0

    def handle(self) -> None:
        """Finish the TLS handshake here, in the connection's own thread, then serve its requests."""
        api = self.server.api
        # Go's net/http sets TCP_NODELAY: without it a kept-alive client's next request waits for
        # a delayed ACK (about 40 ms), which no real API server makes clients pay.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.do_handshake()
            api._track(self.connection, True)
            super().handle()
        except (OSError, ssl.SSLError):
            self.close_connection = True
        finally:
            api._track(self.connection, False)

    def parse_request(self) -> bool:
        """Refuse a request line longer than the server's limit with 414, as front doors do (Apache's
        LimitRequestLine and other API implementations stop at 8,190 bytes; nginx's buffer is 8 KB)."""
        limit = self.server.api.max_request_line
        if limit and len(self.raw_requestline.rstrip(b"\r\n")) > limit:
            self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
            self.close_connection = True
            self.send_error(414, f"Request-URI Too Long: the request line is over {limit} bytes")
            return False
        return super().parse_request()

    def send_response(self, code: int, message: str | None = None) -> None:
        """Remember the status code for the request log."""
        self.kubesim_status = code
        super().send_response(code, message)

    def _serve(self) -> None:
        self.kubesim_status = 0
        self.server.api._serve(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: requests are in ApiServer.request_log."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: "ApiServer", context: ssl.SSLContext | None):
        self.api = api
        self._context = context
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        """Wrap accepted connections in TLS without handshaking in the accepting thread."""
        sock, address = super().get_request()
        if self._context is not None:
            sock = self._context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that vanished mid-request is no error worth printing."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class ApiServer:
    """Serves the Kubernetes API from a Store; the kubelet provides logs, exec and attach."""

    def __init__(self, store, kubelet: KubeletStreams | None, *, version: str = "1.32", tls: bool = True,
                 host: str = "127.0.0.1", port: int = 0, latency_ms: int = 0, ephemeral_containers: bool = True,
                 state_dir: Path, bookmark_seconds: float = 10.0, max_request_line: int = 8190):
        self._backend = Backend(store, kubelet, version, ephemeral_containers, bookmark_seconds)
        self._users = auth.Users(lambda token: satokens.user_of(self._backend, token))
        self._latency = latency_ms / 1000
        self.max_request_line = max_request_line  # 0: no limit of ours (http.server's 64 KiB)
        self._tls = tls
        self._state_dir = Path(state_dir)
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.request_log: list[RequestRecord] = []
        self._served = 0  # requests logged since the start (request_log keeps only the latest)
        self.ca_path = self._state_dir / "ca.crt"
        context = self._tls_context(host) if tls else None
        self._server = _HTTPServer((host, port), self, context)
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"{'https' if tls else 'http'}://{bound_host}:{bound_port}"
        self._address = f"{bound_host}:{bound_port}"
        self.admin_token = secrets.token_urlsafe(24)
        self._admin = self._users.add(self.admin_token, "kubernetes-admin", [auth.ADMIN_GROUP], [])
        self._backend.root_ca = self.ca_path.read_text() if tls else ""
        bootstrap.seed(self._backend)

    def _tls_context(self, host: str) -> ssl.SSLContext:
        certs = tls.make_serving_certs(self._state_dir, host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs.cert, certs.key)
        context.set_alpn_protocols(["http/1.1"])  # no HTTP/2: clients fall back to HTTP/1.1
        return context

    @property
    def kubelet(self) -> KubeletStreams | None:
        """The kubelet serving logs, exec and attach (may be set after construction)."""
        return self._backend.kubelet

    @kubelet.setter
    def kubelet(self, value: KubeletStreams | None) -> None:
        self._backend.kubelet = value

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="kubesim-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and end every open connection (watches and streams included). Idempotent."""
        self._backend.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()

    def add_user(self, token: str, user: str, groups: list[str], rules: list[Rule]) -> None:
        """Accept ``token`` as ``user`` in ``groups``, allowed what ``rules`` say (system:masters: all)."""
        self._users.add(token, user, groups, rules)

    def write_kubeconfig(self, path: Path, *, token: str, namespace: str = "default") -> None:
        """A kubeconfig for the user of ``token``, trusting this server's CA."""
        ca_pem = self.ca_path.read_bytes() if self._tls else None
        kubeconfig.write(Path(path), self.url, user=self._users.name_of(token), token=token,
                         namespace=namespace, ca_pem=ca_pem)

    def _track(self, sock: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(sock)

    def _authenticate(self, handler: BaseHTTPRequestHandler, info: requestinfo.RequestInfo) -> User:
        header = handler.headers.get("Authorization")
        if header is None and not self._tls:
            return self._admin  # kubectl sends no token over plain http: treat it as the admin
        if header is None and not info.is_resource and info.path in ("/version", "/healthz", "/livez", "/readyz"):
            return User("system:anonymous", ("system:unauthenticated",))  # system:public-info-viewer
        return self._users.authenticate(header)

    def _authorize(self, req: Request) -> None:
        info, attrs = req.info, req.info.attributes()
        auth.authorize(self._backend.store, req.user, attrs)
        if info.subresource in ("exec", "attach") and info.verb == "get" and \
                self._backend.minor >= _CREATE_ALSO_CHECKED_SINCE:
            auth.authorize(self._backend.store, req.user, dataclasses.replace(attrs, verb="create"))

    def _serve(self, handler: _Handler) -> None:
        if self._latency:
            time.sleep(self._latency)
        split = urlsplit(handler.path)
        # As a real API server: a value is any bytes (an argv word may be a non-UTF-8 file name).
        query = parse_qs(split.query, keep_blank_values=True, errors="surrogateescape")
        user = ""
        try:
            body = wire.read_body(handler)
            info = requestinfo.parse(handler.command, split.path, query)
            acting = impersonation.impersonated(self._backend.store, self._authenticate(handler, info), handler.headers)
            req = Request(handler.command, info, query, handler.headers, acting, body)
            user = req.user.name
            self._authorize(req)
            if split.path == REQUESTS_PATH:
                response = self._requests_since(req)
            else:
                response = router.route(handler, self._backend, req) if info.is_resource else \
                    router.serve_path(self._backend, req, self._address)
            if response is not None:
                wire.send(handler, response)
        except ApiError as exc:
            self._answer_error(handler, exc)
        except Exception as exc:  # a bug in the simulator: answer as the apiserver would, and log it
            log.exception("internal error serving %s %s", handler.command, handler.path)
            self._answer_error(handler, errors.internal(str(exc)))
        finally:
            line = len(handler.raw_requestline.rstrip(b"\r\n"))
            self._record(RequestRecord(handler.command, split.path, split.query, user, handler.kubesim_status, line))

    def _requests_since(self, req: Request) -> wire.Response:
        """The debug endpoint (see the module's doc): the request log after ``since``, for admins."""
        if not req.user.is_admin:
            raise errors.forbidden("", "", auth.forbidden_message(req.user, req.info.attributes()))
        try:
            since = int((req.query.get("since") or ["0"])[0])
        except ValueError:
            raise errors.bad_request("since must be a number") from None
        with self._lock:
            first = self._served - len(self.request_log) + 1
            records = [(first + i, r) for i, r in enumerate(self.request_log) if first + i > since]
            total = self._served
        items = [{"seq": seq, **dataclasses.asdict(record)} for seq, record in records]
        return wire.Response(200, {"total": total, "requests": items})

    @staticmethod
    def _answer_error(handler: _Handler, exc: ApiError) -> None:
        if handler.kubesim_status:  # the response had begun: all we can do is end the connection
            handler.close_connection = True
            return
        try:
            wire.send_error(handler, exc)
        except OSError:
            handler.close_connection = True

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.request_log.append(record)
            self._served += 1
            if len(self.request_log) > _LOG_LIMIT:
                del self.request_log[: _LOG_LIMIT // 2]
