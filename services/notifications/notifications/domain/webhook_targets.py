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
from collections.abc import Iterable
from dataclasses import dataclass

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


def address_refusal(address: IPAddress) -> str | None:
    """What kind of internal address this is ("a loopback address", ...), or None when
    a webhook may be sent to it."""
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)):
        form, ipv4 = embedded
        reason = address_refusal(ipv4)
        if reason is not None:
            return f"the {form} form of {ipv4}, {reason}"
        if form != "6to4":  # a mapped or translated public address is that address
            return None
    if address.is_unspecified:
        return "an unspecified address (it reaches this machine)"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_private:
        return "a private-network address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global or any(address in network for network in _NOT_GLOBAL_BEYOND_STDLIB):
        return "an address that is not globally routable"
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


def target_refusal(
    scheme: str, host: str, addresses: Iterable[IPAddress], allowed: AllowedHosts
) -> str | None:
    """Why a webhook may not be sent to `host`, resolved to `addresses`, or None when it may.

    Every address counts, not only the first: a name that resolves to a public and an
    internal address must not leave the choice between them to the connection.
    """
    if scheme not in SCHEMES:
        return f"webhook URLs use http or https, not {scheme}"
    if allowed.allows_name(host):
        return None
    for address in addresses:
        if allowed.allows_address(address):
            continue
        reason = address_refusal(address)
        if reason is not None:
            where = (
                f"{address} is"
                if _same_address(host, address)
                else f"{host} resolves to {address},"
            )
            return (
                f"{RULE}: {where} {reason}; an internal receiver needs the district to list "
                "its host in WEBHOOK_ALLOWED_HOSTS"
            )
    return None


def _same_address(host: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")) == address
    except ValueError:
        return False
