"""The address rule for webhooks, as plain functions: no resolver, no database."""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from pydantic import ValidationError

from notifications.domain.webhook_targets import (
    RULE,
    AllowedHosts,
    address_refusal,
    host_key,
    target_refusal,
)
from notifications.settings import Settings

STRICT = AllowedHosts()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.5", "a private-network address"),
        ("172.16.0.1", "a private-network address"),
        ("172.31.255.254", "a private-network address"),
        ("192.168.1.1", "a private-network address"),
        ("fd00::1", "a private-network address"),
        ("fc00::1", "a private-network address"),
        ("169.254.169.254", "a link-local address (where cloud metadata services answer)"),
        ("fe80::1", "a link-local address (where cloud metadata services answer)"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address (it reaches this machine)"),  # noqa: S104
        ("::", "an unspecified address (it reaches this machine)"),
        ("fec0::1", "a site-local address"),
        ("240.0.0.1", "a private-network address"),  # reserved, and private to the stdlib
        ("100.64.0.1", "an address that is not globally routable"),  # carrier-grade NAT
        ("192.0.0.8", "an address that is not globally routable"),  # global to Python 3.11
        ("2001:db8::1", "a private-network address"),  # documentation
        ("3fff::1", "an address that is not globally routable"),  # documentation, newer
        ("::ffff:127.0.0.1", "the IPv4-mapped form of 127.0.0.1, a loopback address"),
        ("::ffff:169.254.169.254", "the IPv4-mapped form of 169.254.169.254, a link-local"),
        ("64:ff9b::a00:1", "the NAT64 form of 10.0.0.1, a private-network address"),
        ("2002:7f00:1::1", "the 6to4 form of 127.0.0.1, a loopback address"),
        ("2002:808:808::1", "an address that is not globally routable"),  # 6to4 of a public one
    ],
)
def test_an_internal_address_is_refused_and_its_kind_named(address: str, kind: str) -> None:
    reason = address_refusal(ip_address(address))
    assert reason is not None
    assert str(reason).startswith(kind)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.215.14",
        "1.1.1.1",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ],
)
def test_a_public_address_may_be_reached(address: str) -> None:
    # A mapped or NAT64-translated public address is that public address.
    assert address_refusal(ip_address(address)) is None


def test_every_address_of_a_name_counts_not_only_the_first() -> None:
    addresses = [ip_address("93.184.215.14"), ip_address("10.1.2.3")]
    reason = target_refusal("https", "hooks.example", addresses, STRICT)
    assert str(reason) == (
        f"{RULE}: hooks.example resolves to 10.1.2.3, a private-network address; an internal "
        "receiver needs the district to list its host in WEBHOOK_ALLOWED_HOSTS"
    )
    assert target_refusal("https", "hooks.example", addresses[:1], STRICT) is None


def test_an_address_written_in_the_url_is_named_once() -> None:
    reason = target_refusal("http", "127.0.0.1", [ip_address("127.0.0.1")], STRICT)
    assert reason is not None
    assert str(reason).startswith(f"{RULE}: 127.0.0.1 is a loopback address;")
    reason = target_refusal("http", "[::ffff:7f00:1]", [ip_address("::ffff:7f00:1")], STRICT)
    assert reason is not None
    assert str(reason).startswith(f"{RULE}: ::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1")


@pytest.mark.parametrize("scheme", ["ftp", "file", "gopher", "redis"])
def test_only_http_and_https(scheme: str) -> None:
    allowed = AllowedHosts.parse(["hooks.example"])
    public = [ip_address("93.184.215.14")]
    assert str(target_refusal(scheme, "hooks.example", public, allowed)) == (
        f"webhook URLs use http or https, not {scheme}"
    )
    assert target_refusal("http", "hooks.example", public, allowed) is None


def test_an_allowed_name_may_resolve_inside_and_no_other_name_may() -> None:
    allowed = AllowedHosts.parse(["CRM.District.Internal.", " localhost "])
    inside = [ip_address("10.20.0.7")]
    assert target_refusal("http", "crm.district.internal", inside, allowed) is None
    assert target_refusal("http", "LOCALHOST.", [ip_address("127.0.0.1")], allowed) is None
    assert target_refusal("http", "erp.district.internal", inside, allowed) is not None
    assert target_refusal("http", "crm.district.internal.evil.example", inside, allowed) is not None


def test_allowed_addresses_and_networks_cover_exactly_themselves() -> None:
    allowed = AllowedHosts.parse(["127.0.0.1", "10.20.0.0/16", "[fd00:1::5]"])
    for inside in ("127.0.0.1", "::ffff:127.0.0.1", "10.20.255.1", "fd00:1::5"):
        assert target_refusal("http", "r.example", [ip_address(inside)], allowed) is None, inside
    for outside in ("127.0.0.2", "10.21.0.1", "fd00:1::6", "169.254.169.254"):
        assert target_refusal("http", "r.example", [ip_address(outside)], allowed), outside
    # An allowed address does not let another, internal one of the same name through.
    both = [ip_address("127.0.0.1"), ip_address("192.168.0.1")]
    assert target_refusal("http", "r.example", both, allowed) is not None


@pytest.mark.parametrize(
    "entry", ["127.0.0.1:8080", "http://crm.internal", "10.0.0.1/8", "*.internal", "a b"]
)
def test_an_allowed_entry_that_is_no_host_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="neither a host name nor an address or network"):
        AllowedHosts.parse([entry])


def test_host_names_compare_without_case_root_dot_or_unicode() -> None:
    assert host_key("Hooks.Example.") == "hooks.example"
    assert host_key("中国.example") == "xn--fiqs8s.example"
    assert AllowedHosts.parse(["中国.example"]).allows_name("XN--FIQS8S.example")


def test_the_district_setting_is_a_comma_separated_list_empty_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS", raising=False)
    assert Settings(_env_file=None).webhook_allowed_hosts == []
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", " 127.0.0.1, crm.district.internal ,10.20.0.0/16")
    assert Settings(_env_file=None).webhook_allowed_hosts == [
        "127.0.0.1",
        "crm.district.internal",
        "10.20.0.0/16",
    ]
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1:8080")
    with pytest.raises(ValidationError, match="neither a host name nor an address or network"):
        Settings(_env_file=None)
