"""Which of a person's channels a notification goes out on: no database."""

from __future__ import annotations

from notifications.domain.channels import chosen_channels


def test_only_chosen_channels_with_an_address_in_a_fixed_order() -> None:
    assert chosen_channels("sms,email", "a@example.org", "13800000000") == [
        ("email", "a@example.org"),
        ("sms", "13800000000"),
    ]
    assert chosen_channels(" email ", "a@example.org", "13800000000") == [
        ("email", "a@example.org")
    ]
    assert chosen_channels("email,sms", None, "13800000000") == [("sms", "13800000000")]
    assert chosen_channels("sms", "a@example.org", "") == []
    assert chosen_channels("", "a@example.org", "13800000000") == []
    assert chosen_channels("fax,,email", "a@example.org", None) == [("email", "a@example.org")]
