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


def _attempts(name: str, lines: list[str]) -> list[tuple[str, list[str]]]:
    """The output split per name tried ("try NAME" starts each); output without one is all NAME's."""
    attempts: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("try "):
            attempts.append((line.removeprefix("try "), []))
        elif attempts:
            attempts[-1][1].append(line)
        else:
            attempts.append((name, [line]))
    return attempts


def _lookup(lines: list[str], seconds: int) -> dict:
    """One nslookup: ``{"ok", "addresses", "server", "error"}``."""
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
    if ok:
        error = None
    elif errors:
        error = errors[-1]
    else:  # a name that exists with no address answers NOERROR and nothing else
        error = "no A or AAAA record" if status == "0" else f"no answer within {seconds}s"
    return {"ok": ok, "addresses": addresses, "server": server, "error": error}


def parse_resolve(name: str, result: bytes, seconds: int) -> dict:
    """A name lookup as the pod's resolver makes it (search domains, ndots): ``{"name", "ok",
    "addresses", "server", "error", "answered_as", "tried", "attempts"}``, ``attempts`` holding each
    name tried with its own answer or error (``{"name", "ok", "addresses", "server", "error"}``). A
    failure reports the lookup of NAME itself, the one a person asked about, rather than that of NAME
    under some search domain."""
    looked = [(queried, _lookup(lines, seconds)) for queried, lines in _attempts(name, text(result).splitlines())]
    if not looked:
        failed = {"ok": False, "addresses": [], "server": None, "error": "the lookup did not run"}
        return {"name": name, **failed, "answered_as": None, "tried": [], "attempts": []}
    answered = next(((queried, found) for queried, found in looked if found["ok"]), None)
    asked = next(((q, found) for q, found in looked if q.rstrip(".") == name.rstrip(".")), looked[-1])
    queried, shown = answered or asked
    return {"name": name, **shown, "answered_as": queried if shown["ok"] else None, "tried": [q for q, _ in looked],
            "attempts": [{"name": q, **found} for q, found in looked]}
