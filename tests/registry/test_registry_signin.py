"""Sign-in under attack, on SQLite and PostgreSQL: guessing is slowed per address and per account and address,
never turned into a lock an attacker can put on someone else; Secure cookies when asked; throttles in the audit
trail; a one-time password must be changed before anything else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from forceplan.registry import auth, store
from forceplan.registry.db import SYSTEM, make_engine
from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration


@contextmanager
def _clients(url: str, *addresses: str, secure: bool = False) -> Iterator[list[Any]]:
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    from forceplan.registry.api import create_app

    app = create_app(url, run_plans=False, secure_cookies=secure)
    with ExitStack() as stack:
        yield [stack.enter_context(TestClient(app, client=(a, 40000))) for a in addresses]


def _token(client: Any, username: str, password: str) -> Any:
    return client.post("/api/tokens", json={"username": username, "password": password})


def test_wrong_guesses_slow_the_guesser_and_never_lock_the_owner_out(backend: Any) -> None:
    with _clients(backend.url, "10.0.0.66", "10.0.0.7") as (attacker, owner):
        codes = [_token(attacker, "editor-fra", f"guess number {i}").status_code for i in range(6)]
        assert codes == [401] * 6
        # The attacker's address must now wait, even with the right password ...
        r = _token(attacker, "editor-fra", PASSWORD)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        # ... while the owner, from an address of its own, signs in at once (before: locked for 15 minutes).
        assert _token(owner, "editor-fra", PASSWORD).status_code == 201
        audit = owner.get("/api/audit", headers={"Authorization": f"Bearer {_planner_token(owner)}"}).json()
        events = [a for a in audit if a["kind"] == "sign-in" and a["record_id"] == "editor-fra"]
        assert {"sign-in throttled", "sign-in refused"} <= {a["action"] for a in events}
        assert all(a["changes"]["address"] == "10.0.0.66" for a in events)


def _planner_token(client: Any) -> str:
    return str(_token(client, "planner", PASSWORD).json()["token"])


def test_the_web_form_is_throttled_per_address_across_names(backend: Any) -> None:
    with _clients(backend.url, "10.0.0.99", "10.0.0.8") as (sprayer, other):
        codes = [
            sprayer.post("/login", data={"username": f"name-{i}", "password": "Winter2025!"}).status_code
            for i in range(30)
        ]
        assert codes[: auth.ADDRESS_FREE_FAILURES] == [401] * auth.ADDRESS_FREE_FAILURES
        assert codes.count(429) >= 30 - auth.ADDRESS_FREE_FAILURES - 1  # before: 30 × 401
        r = other.post("/login", data={"username": "editor-gbr", "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303  # another address is not slowed


def test_the_account_wide_slowdown_is_bounded(backend: Any) -> None:
    """From many addresses an attacker slows an account by at most ACCOUNT_MAX_WAIT_S, and only after
    ACCOUNT_FREE_FAILURES failures; the wait is recorded in the audit trail."""
    engine = make_engine(backend.url)
    try:
        for i in range(auth.ACCOUNT_FREE_FAILURES):
            with pytest.raises(auth.Unauthorised):
                auth.login(engine, "editor-gbr", f"wrong {i}", address=f"10.1.0.{i}")
        # Each further failure doubles the wait (1 s, 2 s, 4 s ...): soon longer than a password check takes.
        waits = []
        for i in range(8):
            try:
                auth.login(engine, "editor-gbr", f"wrong again {i}", address="10.1.1.1")
            except auth.TooManyAttempts as exc:
                waits.append(exc.retry_after_s)
            except auth.Unauthorised:
                pass
        assert waits and all(1 <= w <= auth.ACCOUNT_MAX_WAIT_S + 1 for w in waits)
        audit = store.audit_trail(engine, SYSTEM, record_id="editor-gbr")
        assert any(a["action"] == "account slowed" for a in audit)
    finally:
        engine.dispose()


@pytest.mark.parametrize("secure", [True, False])
def test_secure_cookies_when_asked_on_every_cookie(backend: Any, secure: bool) -> None:
    with _clients(backend.url, "10.0.0.5", secure=secure) as (c,):
        r = c.post("/login", data={"username": "editor-gbr", "password": PASSWORD}, follow_redirects=False)
        form_cookie = r.headers["set-cookie"]
        r = c.post("/api/session", json={"username": "editor-gbr", "password": PASSWORD})
        api_cookie = r.headers["set-cookie"]
        for cookie in (form_cookie, api_cookie):
            assert ("secure" in cookie.lower()) is secure, cookie
            assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_a_one_time_password_must_be_changed_first(backend: Any) -> None:
    engine = make_engine(backend.url)
    try:
        one_time = auth.add_user(engine, "editor-ita", "editor", "ITA")
    finally:
        engine.dispose()
    with _clients(backend.url, "10.0.0.6") as (c,):
        r = _token(c, "editor-ita", one_time)
        assert r.status_code == 201
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        r = c.get("/api/pledges", headers=headers)
        assert r.status_code == 403 and "one-time password" in r.json()["detail"]
        assert c.get("/api/me", headers=headers).json()["must_change_password"] is True
        bad = c.post("/api/password", headers=headers, json={"current_password": "wrong", "new_password": "x" * 12})
        assert bad.status_code == 422
        new = "a long new password for Italy"
        r = c.post("/api/password", headers=headers, json={"current_password": one_time, "new_password": new})
        assert r.status_code == 204, r.text
        assert c.get("/api/pledges", headers=headers).status_code == 200
        # The web app: a one-time password leads to the change-password page before anything else.
        engine = make_engine(backend.url)
        try:
            again = auth.reset_password(engine, "editor-ita")
        finally:
            engine.dispose()
        r = c.post("/login", data={"username": "editor-ita", "password": again}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/password"
        r = c.get("/nation", follow_redirects=False)
        assert r.status_code in (302, 303, 307) and r.headers["location"].endswith("/password")
        page = c.get("/password")
        assert page.status_code == 200 and "one-time password" in page.text


def _checking(monkeypatch: Any, during: Any) -> None:
    """While a sign-in checks its password, run ``during()`` (from the sign-in's own thread)."""
    real = auth._hasher

    class Hasher:
        def verify(self, hashed: str, password: str) -> bool:
            during()
            return bool(real.verify(hashed, password))

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(auth, "_hasher", Hasher())


def test_a_sign_in_checks_the_password_outside_any_transaction(backend: Any, monkeypatch: Any) -> None:
    """A write during the Argon2 check goes through at once: before, the check ran inside the sign-in's write
    transaction, and on SQLite every other writer queued behind it (30 s here: the busy timeout, then failed)."""
    import threading
    import time

    from forceplan.registry.db import Actor

    engine = make_engine(backend.url)
    gbr = Actor("editor-gbr", "editor", "GBR")
    took: list[float] = []

    def write() -> None:
        t0 = time.monotonic()
        p = store.get_pledge(engine, gbr, "GBR-01")
        store.update_pledge(engine, gbr, "GBR-01", {"note": "during a sign-in"}, f'"{p["version"]}"')
        took.append(time.monotonic() - t0)

    def during() -> None:
        t = threading.Thread(target=write)
        t.start()
        t.join(timeout=10)

    _checking(monkeypatch, during)
    try:
        token, _csrf, who = auth.login(engine, "editor-fra", PASSWORD, "bearer")
        assert token and who.nation == "FRA"
        assert len(took) == 1 and took[0] < 10, "a write waited for a sign-in's password check"
    finally:
        engine.dispose()


def test_a_password_changed_or_an_account_slowed_during_the_check_issues_no_token(
    backend: Any, monkeypatch: Any
) -> None:
    import datetime as dt

    from sqlalchemy import update

    from forceplan.registry.db import User, transaction, utcnow

    engine = make_engine(backend.url)
    try:
        # Reset meanwhile: the old password, checked against the old hash, no longer opens the account.
        _checking(monkeypatch, lambda: auth.reset_password(engine, "editor-fra", "a brand new password"))
        with pytest.raises(auth.Unauthorised):
            auth.login(engine, "editor-fra", PASSWORD, "bearer")
        monkeypatch.undo()
        assert auth.login(engine, "editor-fra", "a brand new password", "bearer")[0]

        # Slowed meanwhile by parallel wrong guesses: even the right password gets no token until the wait ends.
        def slow() -> None:
            with transaction(engine, SYSTEM) as s:
                s.execute(update(User).where(User.username == "editor-gbr")
                          .values(locked_until=utcnow() + dt.timedelta(seconds=30)))  # fmt: skip

        _checking(monkeypatch, slow)
        with pytest.raises(auth.TooManyAttempts):
            auth.login(engine, "editor-gbr", PASSWORD, "bearer")
    finally:
        engine.dispose()
