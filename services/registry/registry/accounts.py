"""Accounts, login and tokens: Argon2 passwords, rotating refresh tokens, slowed guessing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Account, Community, LoginThrottle, RefreshToken
from registry.organisation import now
from shared.auth import REFRESH, InvalidToken, Role, TokenIssuer, TokenVerifier
from shared.errors import Conflict, DomainError, NotFound, TooManyRequests, Unprocessable
from shared.ids import new_id

_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class Unauthorized(DomainError):
    """Wrong credentials or an unusable refresh token."""

    status_code = 401


def hash_password(password: str) -> str:
    """An Argon2id hash of a password."""
    return _hasher.hash(password)


def _verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenPair:
    """What a login or refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class Throttle:
    """How failed logins slow down: free tries, then a lock doubling up to a cap."""

    free_failures: int = 5
    max_lock_seconds: int = 900

    def lock_seconds(self, failures: int) -> int:
        """How long to refuse logins after `failures` consecutive failures."""
        if failures < self.free_failures:
            return 0
        return int(min(2 ** (failures - self.free_failures + 1), self.max_lock_seconds))


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: Role,
    community_id: str | None,
    commit: bool = True,
) -> Account:
    """A new account; 409 when the username is taken."""
    if role.is_district_wide and community_id is not None:
        raise Unprocessable("a district admin belongs to no community")
    if not role.is_district_wide:
        if community_id is None:
            raise Unprocessable(f"a {role.value} account belongs to a community")
        if await session.get(Community, community_id) is None:
            raise NotFound(f"community {community_id} not found")
    if (await session.exec(select(Account).where(col(Account.username) == username))).first():
        raise Conflict(f"the username {username!r} is taken")
    account = Account(
        id=new_id(),
        username=username,
        password_hash=hash_password(password),
        role=role,
        community_id=community_id,
        created_at=now(),
    )
    session.add(account)
    if commit:
        await session.commit()
    return account


def _tokens(
    session: AsyncSession, issuer: TokenIssuer, account: Account, refresh_ttl: timedelta
) -> TokenPair:
    jti = new_id()
    session.add(RefreshToken(jti=jti, account_id=account.id, expires_at=now() + refresh_ttl))
    refresh = issuer.issue(
        account.id,
        account.role,
        account.community_id,
        token_type=REFRESH,
        ttl=refresh_ttl,
        token_id=jti,
    )
    return TokenPair(
        access_token=issuer.issue_access(account.id, account.role, account.community_id),
        refresh_token=refresh,
        expires_in=int(issuer.access_ttl.total_seconds()),
    )


async def login(
    session: AsyncSession,
    issuer: TokenIssuer,
    throttle: Throttle,
    *,
    username: str,
    password: str,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Check a password and issue tokens; repeated failures lock the username for a while."""
    record = await session.get(LoginThrottle, username)
    current = now()
    if record is not None and record.locked_until is not None:
        locked_until = _aware(record.locked_until)
        if locked_until > current:
            wait = int((locked_until - current).total_seconds()) + 1
            raise TooManyRequests(
                f"too many failed logins for this username; try again in {wait} s", wait
            )
    account = (await session.exec(select(Account).where(col(Account.username) == username))).first()
    valid = _verify_password(account.password_hash if account else _DUMMY_HASH, password)
    if account is None or not valid or account.disabled:
        record = record or LoginThrottle(username=username)
        record.failures += 1
        lock = throttle.lock_seconds(record.failures)
        record.locked_until = current + timedelta(seconds=lock) if lock else None
        session.add(record)
        await session.commit()
        raise Unauthorized("wrong username or password")
    if record is not None:
        await session.delete(record)
    tokens = _tokens(session, issuer, account, refresh_ttl)
    await session.commit()
    return tokens


async def refresh(
    session: AsyncSession,
    issuer: TokenIssuer,
    verifier: TokenVerifier,
    refresh_token: str,
    *,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Exchange a refresh token (once) for new tokens carrying the account's current role."""
    try:
        principal = verifier.verify(refresh_token, token_type=REFRESH)
    except InvalidToken as exc:
        raise Unauthorized(exc.reason) from exc
    stored = await session.get(RefreshToken, principal.token_id)
    if stored is None or stored.used_at is not None:
        raise Unauthorized("this refresh token was already used or revoked; log in again")
    account = await session.get(Account, stored.account_id)
    if account is None or account.disabled:
        raise Unauthorized("the account is disabled")
    stored.used_at = now()
    session.add(stored)
    tokens = _tokens(session, issuer, account, refresh_ttl)
    await session.commit()
    return tokens


async def revoke(session: AsyncSession, verifier: TokenVerifier, refresh_token: str) -> None:
    """Log out: the refresh token can no longer be used."""
    try:
        principal = verifier.verify(refresh_token, token_type=REFRESH)
    except InvalidToken:
        return
    stored = await session.get(RefreshToken, principal.token_id)
    if stored is not None and stored.used_at is None:
        stored.used_at = now()
        session.add(stored)
        await session.commit()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
