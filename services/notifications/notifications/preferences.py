"""A person's choices: the language of their notifications, and e-mail or SMS with quiet hours."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import Preference
from shared.auth import Principal


async def choose(
    session: AsyncSession,
    principal: Principal,
    *,
    language: str,
    email: str | None,
    phone: str | None,
    channels: Iterable[str],
    quiet_from_hour: int | None,
    quiet_to_hour: int | None,
) -> Preference:
    """Replace the caller's whole set of choices."""
    preference = await session.get(Preference, principal.subject) or Preference(
        account_id=principal.subject
    )
    preference.language = language
    preference.email = email
    preference.phone = phone
    preference.channels = ",".join(dict.fromkeys(channels))
    preference.quiet_from_hour = quiet_from_hour
    preference.quiet_to_hour = quiet_to_hour
    # Whom announcements to a role of a community reach on these channels.
    preference.role = principal.role.value
    preference.community_id = principal.community
    session.add(preference)
    await session.commit()
    return preference
