"""What every request handler works with: the server's backend and the parsed request."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING

import yaml

from . import errors, protobuf
from .auth import User
from .requestinfo import RequestInfo
from .resources import ResourceType
from .satokens import TokenIssuer
from .store import Store

if TYPE_CHECKING:
    from .kubelet_streams import KubeletStreams

NODE_NAME = "kubesim-node"


@dataclass
class Backend:
    """The server's shared state: storage, the node's kubelet, and how this server behaves."""

    store: Store
    kubelet: "KubeletStreams | None"
    version: str
    ephemeral_containers: bool = True
    bookmark_seconds: float = 10.0
    root_ca: str = ""  # PEM published in every namespace as ConfigMap kube-root-ca.crt
    tokens: TokenIssuer = field(default_factory=TokenIssuer)  # signs and checks ServiceAccount tokens
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def minor(self) -> int:
        """The server's minor version (32 for 1.32): some rules changed between releases."""
        return int(self.version.lstrip("v").split(".")[1])


@dataclass
class Request:
    """One API request: method, parsed path, query parameters (all values, in order), user, body."""

    method: str
    info: RequestInfo
    query: dict[str, list[str]]
    headers: Message
    user: User
    body: bytes = b""
    rtype: ResourceType | None = None

    def param(self, name: str, default: str = "") -> str:
        """The first value of a query parameter."""
        return (self.query.get(name) or [default])[0]

    def flag(self, name: str) -> bool:
        """A boolean query parameter (true/1)."""
        return self.param(name).lower() in ("true", "1")

    def int_param(self, name: str) -> int | None:
        """An integer query parameter, None when absent; BadRequest when not a number."""
        value = self.param(name)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise errors.bad_request(f"{name}: Invalid value: {value!r}: must be an integer") from None

    @property
    def accept(self) -> str:
        """The Accept header."""
        return self.headers.get("Accept", "")

    @property
    def content_type(self) -> str:
        """The body's media type, without parameters."""
        return (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()

    def json_body(self) -> dict:
        """The body as an object (JSON, or YAML); BadRequest when it is neither."""
        if self.content_type == protobuf.MEDIA_TYPE:
            resource = self.rtype.name if self.rtype else ""
            if self.info.subresource:
                resource = f"{resource}/{self.info.subresource}"
            return protobuf.decode_object(resource, self.body)
        if "cbor" in self.content_type:
            raise errors.unsupported_media_type(["application/json", "application/yaml"])
        try:
            value = yaml.safe_load(self.body) if "yaml" in self.content_type else json.loads(self.body or b"{}")
        except (ValueError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"the body of the request could not be decoded: {exc}") from None
        if not isinstance(value, dict):
            raise errors.bad_request("the body of the request must be an object")
        return value
