"""The simulator's request log (``GET /kubesim/requests``), for counting API round trips.

Read with the standard library, so that counting adds no kubectl process and no request of its
own between the two readings but the log reading itself, which is left out.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

LOG_PATH = "/kubesim/requests"


@dataclass(frozen=True)
class Request:
    """One request the API server served."""

    method: str
    path: str
    query: str
    code: int

    def describe(self) -> str:
        """``GET /api/v1/namespaces/default/pods/web 200``; a watch says so."""
        watch = " (watch)" if "watch=true" in self.query.split("&") else ""
        return f"{self.method} {self.path}{watch} {self.code}"


class RequestLog:
    """The admin-only request log of the simulator a kubeconfig points at."""

    def __init__(self, kubeconfig: Path):
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        self._url = urlsplit(cluster["server"])
        self._token = config["users"][0]["user"]["token"]
        ca = cluster.get("certificate-authority-data")
        self._tls = ssl.create_default_context(cadata=base64.b64decode(ca).decode()) if ca else None

    def _get(self, since: int) -> dict:
        host, port = self._url.hostname or "127.0.0.1", self._url.port
        if self._tls is not None:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, context=self._tls, timeout=30)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            conn.request("GET", f"{LOG_PATH}?since={since}", headers={"Authorization": f"Bearer {self._token}"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{LOG_PATH} answered {response.status}: {body[:200]!r}")
            return json.loads(body)
        finally:
            conn.close()

    def mark(self) -> int:
        """The number of requests served so far: pass it to :meth:`since` later."""
        return int(self._get(2**62)["total"])

    def since(self, mark: int) -> list[Request]:
        """The requests served after ``mark``, the log's own readings left out."""
        items = self._get(mark)["requests"]
        return [Request(r["method"], r["path"], r["query"], r["code"]) for r in items if r["path"] != LOG_PATH]
