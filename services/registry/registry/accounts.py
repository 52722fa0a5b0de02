"""Accounts, login and tokens: Argon2 passwords, rotating refresh tokens, slowed guessing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from registry import messages
from registry.domain.accounts import (
    Standing,
    Throttle,
    changed_standing,
    check_may_manage,
)
from registry.models import (
    Account,
    Community,
    LoginAddressThrottle,
    LoginThrottle,
    RefreshToken,
    Volunteer,
)
from shared import messages as common
from shared.access import visible
from shared.audit.recording import leave_out_of_trail
from shared.auth import REFRESH, InvalidToken, Principal, Role, TokenIssuer, TokenVerifier
from shared.clock import now
from shared.contracts.registry import AccountChanged
from shared.db import insert_new
from shared.errors import Conflict, DomainError, NotFound, TooManyRequests, Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id
from shared.messages import Message

_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class Unauthorized(DomainError):
    """Wrong credentials or an unusable refresh token."""

    status_code = 401


class PasswordChangeRequired(DomainError):
    """The password was right, but an admin reset it: a new one must be set first."""

    status_code = 403


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
        raise Unprocessable(messages.DISTRICT_ADMIN_HAS_NO_COMMUNITY)
    if not role.is_district_wide:
        if community_id is None:
            raise Unprocessable(messages.ACCOUNT_NEEDS_COMMUNITY, role=common.ROLE_NAMES[role])
        if await session.get(Community, community_id) is None:
            raise NotFound(common.COMMUNITY_NOT_FOUND)
    if (await session.exec(select(Account).where(col(Account.username) == username))).first():
        raise Conflict(messages.USERNAME_TAKEN, username=username)
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
        access_token=issuer.issue_access(
            account.id, account.role, account.community_id, account.language
        ),
        refresh_token=refresh,
        expires_in=int(issuer.access_ttl.total_seconds()),
    )


def _refuse_while_locked(
    locked_until: datetime | None, current: datetime, refusal: Message
) -> None:
    if locked_until is not None and _aware(locked_until) > current:
        wait = int((_aware(locked_until) - current).total_seconds()) + 1
        raise TooManyRequests(refusal, wait, wait=wait)


async def _count_failure(
    session: AsyncSession, throttle: Throttle, username: str, address: str, current: datetime
) -> None:
    """Count a failed attempt against the username and the address.

    Failures arrive at once (a guesser does not wait): the rows are made if missing (ON
    CONFLICT DO NOTHING, where a plain insert let the second of two failures fail with a
    500) and then read locked, so each failure counts once and none is lost.
    """
    await insert_new(
        session, LoginThrottle, [{"username": username, "failures": 0}], key=["username"]
    )
    await insert_new(
        session,
        LoginAddressThrottle,
        [{"address": address, "failures": 0, "last_failure_at": current}],
        key=["address"],
    )
    record = (
        await session.exec(
            select(LoginThrottle)
            .where(col(LoginThrottle.username) == username)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    record.failures += 1
    lock = throttle.lock_seconds(record.failures)
    record.locked_until = current + timedelta(seconds=lock) if lock else None
    session.add(record)
    from_address = (
        await session.exec(
            select(LoginAddressThrottle)
            .where(col(LoginAddressThrottle.address) == address)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    from_address.failures = throttle.address_failures(
        from_address.failures, _aware(from_address.last_failure_at), current
    )
    from_address.last_failure_at = current
    lock = throttle.lock_seconds(from_address.failures, throttle.address_free_failures)
    from_address.locked_until = current + timedelta(seconds=lock) if lock else None
    session.add(from_address)


async def _authenticate(
    session: AsyncSession, throttle: Throttle, *, username: str, password: str, address: str
) -> Account:
    """The account whose password this is; every failure counts against the username and
    the address (and is committed), and either being locked refuses the attempt."""
    current = now()
    record = await session.get(LoginThrottle, username)
    from_address = await session.get(LoginAddressThrottle, address)
    _refuse_while_locked(
        record.locked_until if record else None, current, messages.LOGIN_LOCKED_USERNAME
    )
    _refuse_while_locked(
        from_address.locked_until if from_address else None,
        current,
        messages.LOGIN_LOCKED_ADDRESS,
    )
    account = (await session.exec(select(Account).where(col(Account.username) == username))).first()
    valid = _verify_password(account.password_hash if account else _DUMMY_HASH, password)
    if account is None or not valid or account.disabled:
        await _count_failure(session, throttle, username, address, current)
        # The counters are a side effect of refusing the login, not a change the caller
        # made: the trail records no entry for them.
        leave_out_of_trail(session.sync_session)
        await session.commit()
        raise Unauthorized(messages.LOGIN_FAILED)
    if record is not None:
        await session.delete(record)
    return account


async def login(
    session: AsyncSession,
    issuer: TokenIssuer,
    throttle: Throttle,
    *,
    username: str,
    password: str,
    address: str,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Check a password and issue tokens; repeated failures lock the username and the
    address for a while. A reset password issues nothing until it is changed."""
    account = await _authenticate(
        session, throttle, username=username, password=password, address=address
    )
    if account.must_change_password:
        leave_out_of_trail(session.sync_session)  # a refusal (the throttle forgets the failures)
        await session.commit()
        raise PasswordChangeRequired(messages.PASSWORD_CHANGE_REQUIRED)
    tokens = _tokens(session, issuer, account, refresh_ttl)
    await session.commit()
    return tokens


async def change_password(
    session: AsyncSession,
    issuer: TokenIssuer,
    throttle: Throttle,
    *,
    username: str,
    current_password: str,
    new_password: str,
    address: str,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Change one's own password (the current one required, throttled as a login);
    every other session ends, and this one starts with new tokens."""
    account = await _authenticate(
        session, throttle, username=username, password=current_password, address=address
    )
    if new_password == current_password:
        leave_out_of_trail(session.sync_session)  # a refusal (the throttle forgets the failures)
        await session.commit()
        raise Unprocessable(messages.PASSWORD_UNCHANGED)
    account.password_hash = hash_password(new_password)
    account.must_change_password = False
    session.add(account)
    await _end_sessions(session, account.id)
    tokens = _tokens(session, issuer, account, refresh_ttl)
    await session.commit()
    return tokens


async def _end_sessions(session: AsyncSession, account_id: str) -> None:
    """Every unused refresh token of the account becomes unusable."""
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.account_id) == account_id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now())
    )


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
        raise Unauthorized(common.TOKEN_INVALID, reason=common.TOKEN_REASONS[exc.reason]) from exc
    stored = await session.get(RefreshToken, principal.token_id)
    if stored is None or stored.used_at is not None:
        raise Unauthorized(messages.REFRESH_TOKEN_USED)
    account = await session.get(Account, stored.account_id)
    if account is None or account.disabled:
        raise Unauthorized(messages.ACCOUNT_DISABLED)
    if account.must_change_password:
        raise Unauthorized(messages.REFRESH_AFTER_RESET)
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


# -- managing accounts ------------------------------------------------------------------


async def get_account(session: AsyncSession, principal: Principal, account_id: str) -> Account:
    """An account the caller may see; another community's answers as an unknown one."""
    return visible(principal, await session.get(Account, account_id), common.ACCOUNT_NOT_FOUND)


def _standing(account: Account) -> Standing:
    return Standing(account.id, account.role, account.community_id)


def _actor(principal: Principal) -> Standing:
    return Standing(principal.subject, principal.role, principal.community)


def _stage_changed(session: AsyncSession, account: Account) -> None:
    session.add(account)
    add_event(
        session,
        AccountChanged(
            account_id=account.id,
            role=account.role.value,
            community_id=account.community_id,
            disabled=account.disabled,
        ),
        subject=account.id,
        community=account.community_id,
    )


async def _volunteer_of(session: AsyncSession, account_id: str) -> Volunteer | None:
    found = await session.exec(select(Volunteer).where(col(Volunteer.account_id) == account_id))
    return found.first()


async def change_account(
    session: AsyncSession,
    principal: Principal,
    account: Account,
    *,
    role: Role | None,
    community_id: str | None,
) -> Account:
    """Give an account another role (a district admin's has no community) or another
    community (`community_id`, None to keep it).

    A community admin keeps to their community's team leaders, volunteers and
    residents and raises nobody to an administrator. A volunteer's account moves with
    the volunteer (a transfer), never alone.
    """
    changed = changed_standing(_actor(principal), _standing(account), role, community_id)
    new_role, new_community = changed.role, changed.community_id
    if new_community is not None and await session.get(Community, new_community) is None:
        raise NotFound(common.COMMUNITY_NOT_FOUND)
    if new_community != account.community_id and await _volunteer_of(session, account.id):
        raise Conflict(messages.ACCOUNT_MOVES_WITH_VOLUNTEER)
    if (new_role, new_community) == (account.role, account.community_id):
        return account
    account.role, account.community_id = new_role, new_community
    _stage_changed(session, account)
    await session.commit()
    return account


async def set_disabled(
    session: AsyncSession, principal: Principal, account: Account, *, disabled: bool
) -> Account:
    """Disable an account (no login, its refresh tokens stop working) or enable it again."""
    check_may_manage(_actor(principal), _standing(account))
    if account.disabled == disabled:
        return account
    if not disabled:
        volunteer = await _volunteer_of(session, account.id)
        if volunteer is not None and volunteer.erased_at is not None:
            raise Conflict(messages.ERASED_ACCOUNT_STAYS_DISABLED)
    account.disabled = disabled
    if disabled:
        await _end_sessions(session, account.id)
    _stage_changed(session, account)
    await session.commit()
    return account


async def reset_password(session: AsyncSession, principal: Principal, account: Account) -> str:
    """Give the account a one-time password the person must change at their next login;
    their sessions end. Returns that password, shown this once."""
    check_may_manage(_actor(principal), _standing(account))
    if account.disabled:
        raise Conflict(messages.DISABLED_ACCOUNT_NO_RESET)
    temporary = secrets.token_urlsafe(12)
    account.password_hash = hash_password(temporary)
    account.must_change_password = True
    session.add(account)
    await _end_sessions(session, account.id)
    # The person was perhaps locked out by their own failures: the new password works now.
    record = await session.get(LoginThrottle, account.username)
    if record is not None:
        await session.delete(record)
    await session.commit()
    return temporary


@dataclass(frozen=True)
class AccountFilter:
    """Criteria of the account list; every one optional."""

    community_id: str | None = None
    role: Role | None = None
    disabled: bool | None = None
    text: str | None = None


def account_query(criteria: AccountFilter) -> SelectOfScalar[Account]:
    """The accounts matching the criteria (unordered: the page orders them)."""
    query = select(Account)
    if criteria.community_id is not None:
        query = query.where(col(Account.community_id) == criteria.community_id)
    if criteria.role is not None:
        query = query.where(col(Account.role) == criteria.role)
    if criteria.disabled is not None:
        query = query.where(col(Account.disabled) == criteria.disabled)
    if criteria.text:
        pattern = f"%{criteria.text.strip()}%"
        named = select(Volunteer.account_id).where(
            col(Volunteer.account_id).is_not(None), col(Volunteer.name).ilike(pattern)
        )
        query = query.where(or_(col(Account.username).ilike(pattern), col(Account.id).in_(named)))
    return query


async def volunteers_of(session: AsyncSession, account_ids: list[str]) -> dict[str, Volunteer]:
    """The volunteer record of each account that has one."""
    if not account_ids:
        return {}
    found = await session.exec(select(Volunteer).where(col(Volunteer.account_id).in_(account_ids)))
    return {v.account_id: v for v in found.all() if v.account_id is not None}


async def forget_old_address_failures(
    session: AsyncSession, throttle: Throttle, moment: datetime
) -> int:
    """Delete the failure counts of addresses quiet for the whole window and no longer
    locked: they would count from zero anyway, and an address is personal data kept no
    longer than it serves. How many went."""
    quiet_since = moment - timedelta(seconds=throttle.address_window_seconds)
    result = await session.exec(
        delete(LoginAddressThrottle).where(
            col(LoginAddressThrottle.last_failure_at) < quiet_since,
            or_(
                col(LoginAddressThrottle.locked_until).is_(None),
                col(LoginAddressThrottle.locked_until) < moment,
            ),
        )
    )
    await session.commit()
    return int(result.rowcount or 0)


async def choose_language(
    session: AsyncSession, principal: Principal, language: str | None
) -> Account:
    """Set the language every service answers the caller's account in when a request
    names none (None: no choice, the default applies)."""
    account = await session.get(Account, principal.subject)
    if account is None:  # a token outliving its account (erased from the database)
        raise NotFound(common.ACCOUNT_NOT_FOUND)
    account.language = language
    session.add(account)
    await session.commit()
    return account
