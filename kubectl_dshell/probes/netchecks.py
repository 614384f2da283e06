"""net --check and --resolve: what nc and nslookup reported from the pod (pure)."""

from __future__ import annotations

from .sections import text


def parse_check(target: str, result: bytes, seconds: int) -> dict:
    """A TCP connect check: ``{"target", "ok", "error", "ms"}`` (ms from /proc/uptime: 10 ms steps)."""
    head, _, said = text(result).partition("\n")
    fields = head.split()
    if len(fields) != 3:
        return {"target": target, "ok": False, "error": "the check did not run", "ms": None}
    start, end, status = float(fields[0]), float(fields[1]), int(fields[2])
    ms = round((end - start) * 1000)
    if status == 0:
        return {"target": target, "ok": True, "error": None, "ms": ms}
    lines = [line.removeprefix("nc: ") for line in said.splitlines() if line.strip()]
    error = lines[-1] if lines else f"no connection within {seconds}s"
    return {"target": target, "ok": False, "error": error, "ms": ms}


def parse_resolve(name: str, result: bytes, seconds: int) -> dict:
    """A name lookup: ``{"name", "ok", "addresses", "server", "error"}`` from nslookup's output."""
    lines = text(result).splitlines()
    status = lines[-1].removeprefix("exit ") if lines and lines[-1].startswith("exit ") else "?"
    addresses, server, answered = [], None, False
    for line in lines:
        key, _, value = line.partition(":")
        if key == "Server":
            server = value.strip()
        elif key == "Name":
            answered = True
        elif key == "Address" and answered:
            addresses.append(value.strip())
    errors = [line.lstrip("*; ").strip() for line in lines if line.startswith(("** ", ";; "))]
    ok = status == "0" and bool(addresses)
    error = None if ok else (errors[-1] if errors else f"no answer within {seconds}s")
    return {"name": name, "ok": ok, "addresses": addresses, "server": server, "error": error}
