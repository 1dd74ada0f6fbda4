"""The door every request passes (pure ASGI middleware): bad addresses and oversized bodies are refused before any
route runs, and every answer carries the security headers; errors are RFC 9457 problem details."""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from forceplan.scenario import Problem
from forceplan.scenario.problems import format_path

MAX_BODY_BYTES = 1024 * 1024
"""A request body over 1 MiB is refused (413) before it is read whole."""
MAX_INCIDENT_BATCH_BYTES = 32 * 1024 * 1024
"""Incident batches may be larger (tens of thousands of incidents)."""
LARGE_BODIES = {"/api/log/incidents": MAX_INCIDENT_BATCH_BYTES}
PROBLEM = "application/problem+json"


def problem_response(
    status: int,
    title: str,
    detail: str,
    problems: list[Problem] | None = None,
    current: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [{"path": format_path(p.path), "message": p.message, "hint": p.hint} for p in problems or []],
        "current": current,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


class BodyLimit:
    """Pure ASGI middleware, the door every request passes: an address or query with a NUL or text that is not
    UTF-8 is refused (400); a body over ``limit`` bytes is refused (413), by Content-Length or, for a chunked body,
    as it streams in (a chunked body is read here, at most ``limit`` bytes, before the route sees it)."""

    def __init__(self, app: Any, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not _clean_address(scope):
            await problem_response(400, "Bad request", "the address holds a NUL character or text that is not UTF-8")(
                scope, receive, send
            )
            return
        limit = LARGE_BODIES.get(scope.get("path", ""), self.limit)
        too_large = problem_response(413, "Too large", f"a request body here is at most {limit} bytes")
        length = [v for k, v in scope.get("headers", []) if k == b"content-length"]
        if length:
            if not length[0].isdigit() or int(length[0]) > limit:
                await too_large(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read the body here, refusing it as soon as it passes the limit.
        chunks, seen, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                return  # the client went away
            chunks.append(msg.get("body", b""))
            seen += len(chunks[-1])
            more = bool(msg.get("more_body", False))
            if seen > limit:
                await too_large(scope, receive, send)
                return
        body, sent = b"".join(chunks), False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """Pure ASGI middleware: each header of SECURITY_HEADERS on every answer that does not set it itself. (Not
    ``@app.middleware``: Starlette's BaseHTTPMiddleware runs each request through an extra task and stream.)"""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers", []))
                have = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, send_with_headers)


def _clean_address(scope: dict[str, Any]) -> bool:
    path, query = scope.get("path", ""), scope.get("query_string", b"")
    if "\x00" in path or has_surrogate(path):
        return False
    try:
        decoded = urllib.parse.unquote(query.decode("ascii"), errors="strict")
    except (UnicodeDecodeError, ValueError):
        return False
    return "\x00" not in decoded


def has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)
