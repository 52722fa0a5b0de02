"""Corners of the webhook address rule that the main tests leave open: no network."""

from __future__ import annotations

from ipaddress import ip_address

from notifications.domain.webhook_targets import AllowedHosts, address_refusal, host_key


def test_a_reserved_ipv6_address_is_named_as_such() -> None:
    # 4000::/3 is reserved by IETF and none of private, link-local or multicast.
    assert str(address_refusal(ip_address("4000::1"))) == "a reserved address"


def test_host_names_keep_every_letter_and_long_ascii_labels() -> None:
    assert host_key("MAX.") == "max"
    assert host_key("crm.example.x") == "crm.example.x"
    # ASCII names are compared as they are, even those IDNA would refuse (a 64-letter label).
    label = "a" * 64
    assert host_key(f"{label}.example") == f"{label}.example"


def test_every_entry_of_the_allowed_hosts_is_read_after_a_network() -> None:
    allowed = AllowedHosts.parse(["10.20.0.0/16", "crm.district.internal", "127.0.0.1"])
    assert allowed.names == frozenset({"crm.district.internal"})
    assert allowed.allows_address(ip_address("127.0.0.1"))
    assert allowed.allows_address(ip_address("10.20.3.4"))


def test_an_empty_entry_is_skipped_not_the_end_of_the_list() -> None:
    # "a.internal, , b.internal" or a trailing comma in WEBHOOK_ALLOWED_HOSTS
    allowed = AllowedHosts.parse(["a.internal", " ", "b.internal", ""])
    assert allowed.names == frozenset({"a.internal", "b.internal"})
