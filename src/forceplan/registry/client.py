"""A small HTTP client of a served ceasefire log (the witness's and the auditor's side of the routes)."""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT_S = 30.0


class RemoteError(RuntimeError):
    """The server could not be reached or answered with an error."""


class LogClient:
    def __init__(self, url: str, timeout_s: float = TIMEOUT_S):
        self.base = url.rstrip("/")
        self.http = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def _get(self, path: str, **params: Any) -> Any:
        try:
            r = self.http.get(f"{self.base}{path}", params=params or None)
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.base}: {type(exc).__name__}: {exc}") from None
        if r.status_code != 200:
            detail = (
                r.json().get("detail", r.text[:200]) if "json" in r.headers.get("content-type", "") else r.text[:200]
            )
            raise RemoteError(f"{self.base}{path}: {r.status_code} {detail}")
        return r.json()

    def checkpoint(self, size: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self._get("/api/log/checkpoint" if size is None else f"/api/log/checkpoints/{size}")
        return out

    def checkpoint_sizes(self) -> list[int]:
        return [int(x) for x in self._get("/api/log/checkpoints")["sizes"]]

    def consistency(self, first: int, second: int) -> list[str]:
        return list(self._get("/api/log/consistency", first=first, second=second)["proof"])

    def entries(self, size: int, page: int = 1000) -> list[bytes]:
        out: list[bytes] = []
        while len(out) < size:
            got = self._get("/api/log/entries", start=len(out), end=min(size, len(out) + page) - 1)["entries"]
            if not got:
                raise RemoteError(f"{self.base}: the log stopped serving records at {len(out)} of {size}")
            out += [e.encode("utf-8") for e in got]
        return out[:size]

    def cosign(self, size: int, signature: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self.http.post(f"{self.base}/api/log/checkpoints/{size}/cosignatures", json=signature)
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.base}: {type(exc).__name__}: {exc}") from None
        if r.status_code != 200:
            raise RemoteError(f"cosignature refused: {r.status_code} {r.text[:300]}")
        out: dict[str, Any] = r.json()
        return out
