"""Where a webhook may be sent: to public addresses, or to hosts the district allows.

The notifications service POSTs to a URL an integrator chose, from inside the
deployment. Left open, anyone who may subscribe could have it call Redis on 127.0.0.1,
a database on 10.x or the cloud metadata service on 169.254.169.254 (server-side
request forgery, OWASP API7). So every address a webhook's host resolves to is judged
here, at subscription and again before each delivery, and refused unless it is
globally routable or the district listed the host (`WEBHOOK_ALLOWED_HOSTS`) as one of
its own receivers: by name, by address, or by network.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from notifications import messages
from shared.messages import Language, Message

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = frozenset({"http", "https"})
RULE = "webhooks go only to public addresses"

# Ranges IANA's special-purpose registries mark as not globally reachable that Python
# 3.11's `is_global` still counts as global (later Pythons agree on most of them).
_NOT_GLOBAL_BEYOND_STDLIB: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "192.0.0.0/24",  # IETF protocol assignments
        "2002::/16",  # 6to4 (deprecated); an internal embedded address is named first
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 segment identifiers
    )
)
# The well-known NAT64 prefix: a translator sends these to the IPv4 address in their
# last 32 bits, so that address decides (an IPv6-only deployment reaches public IPv4
# receivers this way).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address stands for, and the form that embeds it."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    return None


@dataclass(frozen=True)
class AddressRefusal:
    """Why an address is internal: its kind (`messages.ADDRESS_KINDS`), and the form and
    IPv4 address it embeds when that address is what decides."""

    kind: Message
    embedded: tuple[str, ipaddress.IPv4Address] | None = None

    def __str__(self) -> str:
        if self.embedded is None:
            return self.kind.en
        form, ipv4 = self.embedded
        return f"the {form} form of {ipv4}, {self.kind.en}"


def address_refusal(address: IPAddress) -> AddressRefusal | None:
    """What kind of internal address this is (a loopback address, ...), or None when a
    webhook may be sent to it."""
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)):
        form, ipv4 = embedded
        reason = address_refusal(ipv4)
        if reason is not None:
            return AddressRefusal(reason.kind, (form, ipv4))
        if form != "6to4":  # a mapped or translated public address is that address
            return None
    kind = _kind(address)
    return AddressRefusal(messages.ADDRESS_KINDS[kind]) if kind else None


def _kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site_local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global or any(address in network for network in _NOT_GLOBAL_BEYOND_STDLIB):
        return "not_global"
    return None


def host_key(host: str) -> str:
    """A host name as compared: lower case, without the root's trailing dot, in IDNA."""
    name = host.strip().rstrip(".").lower()
    return name if name.isascii() else name.encode("idna").decode("ascii")


@dataclass(frozen=True)
class AllowedHosts:
    """The district's own receivers, which may be internal: names, addresses, networks."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowedHosts:
        """Read a list such as `["crm.district.internal", "10.20.0.0/16", "127.0.0.1"]`;
        raises ValueError naming the first entry that is none of those."""
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (raw.strip() for raw in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.removeprefix("[").removesuffix("]")))
                continue
            except ValueError:
                pass
            name = host_key(entry)
            if not _HOST_NAME.fullmatch(name):
                raise ValueError(
                    f"allowed webhook host {entry!r} is neither a host name nor an address or "
                    "network (list hosts without scheme or port; a network as 10.20.0.0/16)"
                )
            names.add(name)
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        """Whether the host, as written in the URL, is one the district listed by name."""
        return host_key(host) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        """Whether the address lies in a listed address or network (also IPv4-mapped)."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


@dataclass(frozen=True)
class Refusal:
    """Why a webhook may not go to a URL: a message and its parameters, said in the
    caller's language when a subscription is refused, in English in a delivery's log."""

    message: Message
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.render(Language.EN, self.params)


def target_refusal(
    scheme: str, host: str, addresses: Iterable[IPAddress], allowed: AllowedHosts
) -> Refusal | None:
    """Why a webhook may not be sent to `host`, resolved to `addresses`, or None when it may.

    Every address counts, not only the first: a name that resolves to a public and an
    internal address must not leave the choice between them to the connection.
    """
    if scheme not in SCHEMES:
        return Refusal(messages.WEBHOOK_SCHEME, {"scheme": scheme})
    if allowed.allows_name(host):
        return None
    for address in addresses:
        if allowed.allows_address(address):
            continue
        reason = address_refusal(address)
        if reason is not None:
            return _internal(host, address, reason)
    return None


def _internal(host: str, address: IPAddress, reason: AddressRefusal) -> Refusal:
    """The refusal naming the address (and the host, when the URL names a host)."""
    named = _same_address(host, address)
    params: dict[str, object] = {"address": str(address), "kind": reason.kind}
    if not named:
        params["host"] = host
    if reason.embedded is not None:
        form, ipv4 = reason.embedded
        params |= {"form": form, "ipv4": str(ipv4)}
    message = {
        (True, False): messages.WEBHOOK_ADDRESS_INTERNAL,
        (True, True): messages.WEBHOOK_ADDRESS_INTERNAL_EMBEDDED,
        (False, False): messages.WEBHOOK_HOST_INTERNAL,
        (False, True): messages.WEBHOOK_HOST_INTERNAL_EMBEDDED,
    }[(named, reason.embedded is not None)]
    return Refusal(message, params)


def _same_address(host: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")) == address
    except ValueError:
        return False
