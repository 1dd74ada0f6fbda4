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
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.engine import Engine

from forceplan.registry.db import ROLES, SYSTEM, Actor, Token, User, transaction, utcnow
from forceplan.registry.store import Conflict, Invalid, NotFound, RegistryError
from forceplan.scenario import Problem

SESSION_HOURS = 12
BEARER_DAYS = 90
MAX_FAILURES = 5
"""Wrong passwords in a row that lock an account for LOCK_MINUTES."""
LOCK_MINUTES = 15
IP_WINDOW_S = 60.0
IP_MAX_ATTEMPTS = 20
"""Failed sign-ins from one address in IP_WINDOW_S seconds before it must wait."""
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
    """Create an account; returns its password (the one given, or a new one-time password)."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}", [Problem(f"use one of {', '.join(ROLES)}", ("role",))])
    if (role == "editor") != (nation is not None):
        raise Invalid("a nation editor needs --nation; other roles have none", [Problem("", ("nation",))])
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise Invalid("usernames are 1-64 letters, digits, '-', '_' or '.'", [Problem("bad username", ("username",))])
    password = password or new_password()
    check_password_strength(password)
    with transaction(engine, SYSTEM) as s:
        if s.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"user {username!r} exists already")
        s.add(
            User(
                username=username,
                password_hash=hash_password(password),
                role=role,
                nation=nation.upper() if nation else None,
                disabled=False,
                failed_logins=0,
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
    password = password or new_password()
    check_password_strength(password)
    with transaction(engine, SYSTEM) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        if u is None:
            raise NotFound(f"no user {username!r}")
        u.password_hash, u.failed_logins, u.locked_until = hash_password(password), 0, None
        for t in s.scalars(select(Token).where(Token.user_id == u.id, Token.revoked.is_(False))):
            t.revoked = True
    _forget_tokens()
    return password


# ---------------------------------------------------------------------------------------------- login


class AddressThrottle:
    """At most IP_MAX_ATTEMPTS failed sign-ins per address per IP_WINDOW_S (in this process): guessing across
    accounts from one address is slowed, while many people signing in rightly from one office address are not."""

    def __init__(self, max_attempts: int = IP_MAX_ATTEMPTS, window_s: float = IP_WINDOW_S):
        self.max_attempts, self.window_s = max_attempts, window_s
        self._failed: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            q = self._failed.get(address)
            while q and q[0] < now - self.window_s:
                q.popleft()
            if q is not None and len(q) >= self.max_attempts:
                wait = int(q[0] + self.window_s - now) + 1
                raise TooManyAttempts("too many failed sign-ins from this address; wait a minute", wait)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failed.setdefault(address, deque()).append(now)
            if len(self._failed) > 10_000:  # bounded memory under a flood of addresses
                self._failed = {k: v for k, v in self._failed.items() if v and v[-1] >= now - self.window_s}


def login(engine: Engine, username: str, password: str, kind: str = "session") -> tuple[str, str | None, Actor]:
    """Check a password; returns (token, csrf token or None, actor). Wrong passwords count towards a lock; the
    message never says whether the account exists."""
    wrong = Unauthorised("wrong username or password")
    failed = False
    with transaction(engine, SYSTEM) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        if u is None:
            _hasher.hash(password)  # the same work as a real check: timing does not reveal which names exist
            raise wrong
        now = utcnow()
        if u.locked_until and u.locked_until > now:
            wait = int((u.locked_until - now).total_seconds()) + 1
            raise TooManyAttempts(
                f"this account is locked after {MAX_FAILURES} wrong passwords; try again in "
                f"{wait // 60 + 1} minutes or ask an admin to reset it",
                wait,
            )
        try:
            _hasher.verify(u.password_hash, password)
        except (VerificationError, InvalidHashError):
            u.failed_logins += 1
            if u.failed_logins >= MAX_FAILURES:
                u.locked_until, u.failed_logins = now + dt.timedelta(minutes=LOCK_MINUTES), 0
            failed = True  # the count is committed as the block ends; the error is raised after
        if failed:
            pass
        elif u.disabled:
            raise Unauthorised("this account is disabled; ask an admin")
        else:
            u.failed_logins, u.locked_until = 0, None
            if _hasher.check_needs_rehash(u.password_hash):
                u.password_hash = hash_password(password)
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
            actor = Actor(u.username, u.role, u.nation)
    if failed:
        raise wrong
    return token, csrf, actor


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
    with transaction(engine, SYSTEM) as s:
        row = s.execute(
            select(Token, User).join(User, User.id == Token.user_id).where(Token.token_sha256 == _digest(token))
        ).first()
        if row is None:
            raise Unauthorised("sign in first")
        t, u = row
        if t.revoked or t.expires_at < utcnow() or u.disabled:
            raise Unauthorised("your session has ended; sign in again")
        return Actor(u.username, u.role, u.nation), t.kind, t.csrf


def logout(engine: Engine, token: str) -> None:
    with transaction(engine, SYSTEM) as s:
        t = s.scalars(select(Token).where(Token.token_sha256 == _digest(token))).first()
        if t is not None:
            t.revoked = True
    _forget_tokens()
