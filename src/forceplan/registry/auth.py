"""Accounts, passwords (Argon2), sessions and bearer tokens, login throttling.

Tokens are random (256 bits) and kept only as SHA-256 digests, so a copy of the database opens no session. A
browser session is a cookie (HttpOnly, SameSite=Strict) plus a CSRF token that every state-changing request sends
back in ``X-CSRF-Token``; scripts use ``Authorization: Bearer``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.engine import Engine

from forceplan.registry.db import ROLES, SYSTEM, Actor, AuditRow, Token, User, transaction, utcnow
from forceplan.registry.store import Conflict, Invalid, NotFound, RegistryError
from forceplan.scenario import Problem

SESSION_HOURS = 12
BEARER_DAYS = 90
ADDRESS_FREE_FAILURES = 10
"""Failed sign-ins from one address (any names) before each further one makes it wait, doubling: 1 s, 2 s, 4 s ..."""
PAIR_FREE_FAILURES = 5
"""Failed sign-ins to one account from one address before that pair must wait, doubling."""
ACCOUNT_FREE_FAILURES = 20
"""Failed sign-ins to one account from anywhere before it is slowed, doubling, at most ACCOUNT_MAX_WAIT_S: from many
addresses an attacker can slow an account but never lock it; its owner, from an address of its own, is not slowed."""
MAX_WAIT_S = 900
ACCOUNT_MAX_WAIT_S = 30
MIN_PASSWORD_CHARS = 12

_hasher = PasswordHasher()


class Unauthorised(RegistryError):
    status, title = 401, "Not signed in"


class TooManyAttempts(RegistryError):
    status, title = 429, "Too many attempts"

    def __init__(self, detail: str, retry_after_s: int):
        super().__init__(detail)
        self.retry_after_s = retry_after_s


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Invalid("password too short", [Problem(f"use at least {MIN_PASSWORD_CHARS} characters", ("password",))])


def new_password() -> str:
    """A one-time password for a new or reset account (about 96 bits)."""
    return secrets.token_urlsafe(12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- accounts


def add_user(engine: Engine, username: str, role: str, nation: str | None, password: str | None = None) -> str:
    """Create an account; returns its password (the one given, or a new one-time password, which must be changed
    at first sign-in)."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}", [Problem(f"use one of {', '.join(ROLES)}", ("role",))])
    if (role == "editor") != (nation is not None):
        raise Invalid("a nation editor needs --nation; other roles have none", [Problem("", ("nation",))])
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise Invalid("usernames are 1-64 letters, digits, '-', '_' or '.'", [Problem("bad username", ("username",))])
    one_time = password is None
    password = password or new_password()
    check_password_strength(password)
    hashed = hash_password(password)  # before the transaction: SQLite's write lock is not held through Argon2
    with transaction(engine, SYSTEM) as s:
        if s.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"user {username!r} exists already")
        s.add(
            User(
                username=username,
                password_hash=hashed,
                role=role,
                nation=nation.upper() if nation else None,
                disabled=False,
                failed_logins=0,
                must_change_password=one_time,
                created_at=utcnow(),
            )
        )
    return password


def list_users(engine: Engine) -> list[dict[str, object]]:
    with transaction(engine, SYSTEM) as s:
        return [
            {
                "username": u.username,
                "role": u.role,
                "nation": u.nation,
                "disabled": u.disabled,
                "locked": bool(u.locked_until and u.locked_until > utcnow()),
                "must_change_password": u.must_change_password,
                "created_at": u.created_at.isoformat(),
            }
            for u in s.scalars(select(User).order_by(User.username))
        ]


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> None:
    with transaction(engine, SYSTEM) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        if u is None:
            raise NotFound(f"no user {username!r}")
        u.disabled = disabled
        if disabled:
            for t in s.scalars(select(Token).where(Token.user_id == u.id, Token.revoked.is_(False))):
                t.revoked = True
    _forget_tokens()


def reset_password(engine: Engine, username: str, password: str | None = None) -> str:
    """A new password (a one-time one unless given), ending the account's sessions."""
    one_time = password is None
    password = password or new_password()
    check_password_strength(password)
    hashed = hash_password(password)  # before the transaction, as in add_user
    with transaction(engine, SYSTEM) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        if u is None:
            raise NotFound(f"no user {username!r}")
        u.password_hash, u.failed_logins, u.locked_until = hashed, 0, None
        u.must_change_password = one_time
        for t in s.scalars(select(Token).where(Token.user_id == u.id, Token.revoked.is_(False))):
            t.revoked = True
    _forget_tokens()
    return password


# ---------------------------------------------------------------------------------------------- login


class Backoff:
    """Failures per key (in this process): ``free`` of them pass, then each further one makes the key wait,
    doubling from 1 s up to ``max_wait_s``; a success clears the key."""

    def __init__(self, free: int, max_wait_s: float, clock: Callable[[], float] = time.monotonic):
        self.free, self.max_wait_s, self.clock = free, max_wait_s, clock
        self._state: dict[tuple[str, ...], tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, key: tuple[str, ...]) -> float:
        with self._lock:
            _n, until = self._state.get(key, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, key: tuple[str, ...]) -> float:
        """Count a failure; returns the wait it starts (0 while free)."""
        now = self.clock()
        with self._lock:
            n = self._state.get(key, (0, 0.0))[0] + 1
            wait = 0.0 if n <= self.free else min(self.max_wait_s, 2.0 ** (n - self.free - 1))
            self._state[key] = (n, now + wait)
            if len(self._state) > 100_000:  # bounded memory under a flood of names and addresses
                self._state = {k: v for k, v in self._state.items() if v[1] > now}
        return wait

    def succeeded(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._state.pop(key, None)


class SignInGuard:
    """Sign-in throttling for the API and the web form alike: per address (guessing across many names) and per
    account and address (guessing one password); both back off exponentially instead of locking anyone out."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.addresses = Backoff(ADDRESS_FREE_FAILURES, MAX_WAIT_S, clock)
        self.pairs = Backoff(PAIR_FREE_FAILURES, MAX_WAIT_S, clock)

    def check(self, address: str, username: str) -> None:
        for what, backoff, key in (
            ("this address", self.addresses, (address,)),
            ("this account from this address", self.pairs, (address, username)),
        ):
            wait = backoff.wait_s(key)
            if wait > 0:
                seconds = int(wait) + 1
                raise TooManyAttempts(f"too many failed sign-ins for {what}; try again in {seconds} s", seconds)

    def failed(self, address: str, username: str) -> float:
        return max(self.addresses.failed((address,)), self.pairs.failed((address, username)))

    def succeeded(self, address: str, username: str) -> None:
        self.pairs.succeeded((address, username))


def sign_in(
    engine: Engine, guard: SignInGuard, address: str, username: str, password: str, kind: str = "session"
) -> tuple[str, str | None, Actor]:
    """:func:`login` behind the guard; a throttle that starts or refuses is written to the audit trail."""
    username = username[:64]
    try:
        guard.check(address, username)
    except TooManyAttempts as exc:
        _audit_sign_in(engine, "sign-in refused", username, address, {"wait_s": exc.retry_after_s})
        raise
    try:
        out = login(engine, username, password, kind, address)
    except Unauthorised:
        wait = guard.failed(address, username)
        if wait > 0:
            _audit_sign_in(engine, "sign-in throttled", username, address, {"wait_s": wait})
        raise
    guard.succeeded(address, username)
    return out


def _audit_sign_in(engine: Engine, action: str, username: str, address: str, details: dict[str, Any]) -> None:
    with transaction(engine, SYSTEM) as s:
        nation = s.scalars(select(User.nation).where(User.username == username)).first()
        s.add(
            AuditRow(
                at=utcnow(),
                actor="system",
                actor_role="admin",
                action=action,
                kind="sign-in",
                record_id=username,
                nation=nation,
                changes={"address": address[:64], **details},
            )
        )


def login(
    engine: Engine, username: str, password: str, kind: str = "session", address: str = "?"
) -> tuple[str, str | None, Actor]:
    """Check a password; returns (token, csrf token or None, actor). Failures in a row slow the account (never
    lock it); the message never says whether the account exists.

    The password is checked (Argon2, tens of milliseconds) between two transactions, not inside one: a read of the
    account, then the check, then a short write of its outcome. Inside a write transaction it held SQLite's write
    lock (every other writer queued behind each sign-in) and a PostgreSQL connection and row lock. The write
    re-reads the account: if its password changed meanwhile the check counts for nothing (wrong), and if it was
    slowed meanwhile by failures of parallel attempts, no token is issued (as when the attempts queued)."""
    wrong = Unauthorised("wrong username or password")
    with transaction(engine, SYSTEM, read_only=True) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        seen = (u.password_hash, u.locked_until) if u is not None else None
    if seen is None:
        _hasher.hash(password)  # the same work as a real check: timing does not reveal which names exist
        raise wrong
    checked_hash, locked_until = seen
    _refuse_if_slowed(locked_until, utcnow())
    ok = True
    try:
        _hasher.verify(checked_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    rehashed = hash_password(password) if ok and _hasher.check_needs_rehash(checked_hash) else None
    with transaction(engine, SYSTEM) as s:
        q = select(User).where(User.username == username)
        u = s.scalars(q.with_for_update() if s.get_bind().dialect.name == "postgresql" else q).first()
        now = utcnow()
        if u is None or u.password_hash != checked_hash:  # removed, or its password changed, meanwhile
            raise wrong
        if ok:
            _refuse_if_slowed(u.locked_until, now)  # slowed meanwhile by parallel failures: no token
            if u.disabled:
                raise Unauthorised("this account is disabled; ask an admin")
            u.failed_logins, u.locked_until = 0, None
            if rehashed is not None:
                u.password_hash = rehashed
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(24) if kind == "session" else None
            life = dt.timedelta(hours=SESSION_HOURS) if kind == "session" else dt.timedelta(days=BEARER_DAYS)
            s.add(
                Token(
                    token_sha256=_digest(token),
                    user_id=u.id,
                    kind=kind,
                    csrf=csrf,
                    created_at=now,
                    expires_at=now + life,
                    revoked=False,
                )
            )
            return token, csrf, Actor(u.username, u.role, u.nation, u.must_change_password)
        u.failed_logins += 1
        excess = u.failed_logins - ACCOUNT_FREE_FAILURES
        if excess > 0:
            throttled = min(ACCOUNT_MAX_WAIT_S, 2.0 ** (excess - 1))
            u.locked_until = now + dt.timedelta(seconds=throttled)
            s.add(
                AuditRow(
                    at=now,
                    actor="system",
                    actor_role="admin",
                    action="account slowed",
                    kind="sign-in",
                    record_id=u.username,
                    nation=u.nation,
                    changes={"address": address[:64], "failures": u.failed_logins, "wait_s": throttled},
                )
            )
    raise wrong  # after the block: the count is committed


def _refuse_if_slowed(locked_until: dt.datetime | None, now: dt.datetime) -> None:
    if locked_until and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(f"too many failed sign-ins for this account; try again in {wait} s", wait)


def change_password(engine: Engine, username: str, current: str, new: str) -> None:
    """The account's owner replaces its password (a one-time one must be replaced before anything else)."""
    check_password_strength(new)
    if new == current:
        raise Invalid("choose a new password", [Problem("the same as the current one", ("new_password",))])
    with transaction(engine, SYSTEM) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        if u is None:
            raise NotFound(f"no user {username!r}")
        try:
            _hasher.verify(u.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise Invalid("the current password is wrong", [Problem("wrong password", ("current_password",))]) from None
        u.password_hash, u.must_change_password = hash_password(new), False
    _forget_tokens()


CACHE_S = 5.0
"""A checked token is trusted this long in this process without a database read (each request would otherwise pay
a transaction for it). Sign-out, disabling and password resets clear this process's cache at once; another server
process honours them within CACHE_S seconds."""
_cache: dict[str, tuple[float, Actor, str, str | None]] = {}
_cache_lock = threading.Lock()


def _forget_tokens() -> None:
    with _cache_lock:
        _cache.clear()


def authenticate(engine: Engine, token: str) -> tuple[Actor, str, str | None]:
    """The actor behind a token; returns (actor, kind, csrf)."""
    key = _digest(token)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2], hit[3]
    who, kind, csrf = _authenticate(engine, token)
    with _cache_lock:
        if len(_cache) > 100_000:
            _cache.clear()
        _cache[key] = (now + CACHE_S, who, kind, csrf)
    return who, kind, csrf


def _authenticate(engine: Engine, token: str) -> tuple[Actor, str, str | None]:
    with transaction(engine, SYSTEM, read_only=True) as s:
        row = s.execute(
            select(Token, User).join(User, User.id == Token.user_id).where(Token.token_sha256 == _digest(token))
        ).first()
        if row is None:
            raise Unauthorised("sign in first")
        t, u = row
        if t.revoked or t.expires_at < utcnow() or u.disabled:
            raise Unauthorised("your session has ended; sign in again")
        return Actor(u.username, u.role, u.nation, u.must_change_password), t.kind, t.csrf


def logout(engine: Engine, token: str) -> None:
    with transaction(engine, SYSTEM) as s:
        t = s.scalars(select(Token).where(Token.token_sha256 == _digest(token))).first()
        if t is not None:
            t.revoked = True
    _forget_tokens()
