"""Which notifications go out by e-mail and SMS, and on which of a person's channels.

Beside the inbox, a person may choose e-mail and SMS. Everything addressed to them
personally (approved, hours confirmed, a reminder) goes out on what they chose, and so
do announcements to a group they belong to (a role of a community, a team). Other
notifications to a group (a new activity for every volunteer) stay in the inbox: an
e-mail or SMS to everyone for each would be noise, while an announcement is what the
office sends out on purpose.
"""

from __future__ import annotations

ANNOUNCEMENT = "announcement"  # the event type of an announcement's inbox entries
CHANNELS = ("email", "sms")


def chosen_channels(channels: str, email: str | None, phone: str | None) -> list[tuple[str, str]]:
    """The channels a person chose (comma-separated) that have an address, each with it,
    in a fixed order; a channel chosen without its address is skipped."""
    chosen = {channel.strip() for channel in channels.split(",") if channel.strip()}
    addresses = {"email": email, "sms": phone}
    return [
        (channel, address)
        for channel in CHANNELS
        if channel in chosen and (address := addresses[channel])
    ]
