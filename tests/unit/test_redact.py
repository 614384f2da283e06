"""No credential in any message: known values in every form they take, and what looks like one."""

from __future__ import annotations

import base64

import pytest

from kubectl_dshell.redact import REDACTED, Secrets


def test_a_known_value_is_cut_out_in_every_form() -> None:
    secrets = Secrets()
    secrets.add("s3cr3t-t0ken\n", None, "")
    b64 = base64.b64encode(b"s3cr3t-t0ken").decode()
    text = f"Invalid header value b'X s3cr3t-t0ken\\n' / s3cr3t-t0ken / {b64}"
    assert secrets.redact(text) == f"Invalid header value b'X {REDACTED}' / {REDACTED} / {REDACTED}"


def test_a_short_value_is_cut_out_only_as_a_word() -> None:
    secrets = Secrets()
    secrets.add("abc")
    assert secrets.redact("abc abcdef xabc: abc.") == f"{REDACTED} abcdef xabc: {REDACTED}."


def test_each_long_line_of_a_key_counts() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----\n"
    secrets = Secrets()
    secrets.add(key)
    assert "MIIEvQ" not in secrets.redact("bad key line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC here")


def test_live_values_are_read_at_each_redaction() -> None:
    held = {"authorization": "Bearer first"}
    secrets = Secrets()
    secrets.follow(lambda: [v.partition(" ")[2] for v in held.values()])
    held["authorization"] = "Bearer refreshed-token"
    assert secrets.redact("token refreshed-token was sent") == f"token {REDACTED} was sent"


@pytest.mark.parametrize("text,expected", [
    ("headers: {'Authorization': 'Bearer abc.def'}", f"headers: {{'Authorization': {REDACTED}"),
    ("Invalid header value b'Bearer xyz\\n'", f"Invalid header value b'Bearer {REDACTED}'"),
    ("sent authorization: Basic dTpw", f"sent authorization: {REDACTED}"),
    ("proxy said basic Zm9vOmJhcg==, go away", f"proxy said basic {REDACTED}, go away"),
    ("exec: process returned 1. here is my token xyz\nand more", "exec: process returned 1"),
])
def test_what_looks_like_a_credential_is_cut_out(text: str, expected: str) -> None:
    assert Secrets().redact(text) == expected


def test_other_text_is_left_alone() -> None:
    text = 'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group ""'
    assert Secrets().redact(text) == text
