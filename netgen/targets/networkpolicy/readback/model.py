"""The value types both connectivity computations produce, so their answers compare with `==`.

Netgen's own analyzer and the nca test harness are deliberately independent; the only thing
they share is this vocabulary of endpoints, ports and allowed connections.
"""

from __future__ import annotations

from attrs import field, frozen

PROTOCOLS = ("TCP", "UDP", "SCTP")


def _check_protocol(_instance: object, _attribute: object, value: str) -> None:
    if value not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {value!r}")


@frozen(order=True)
class PortKey:
    """One listening port; the unit a matrix cell is made of (`TCP/8080`)."""

    protocol: str = field(validator=_check_protocol)
    port: int

    def __str__(self) -> str:
        return f"{self.protocol}/{self.port}"

    @classmethod
    def parse(cls, text: str) -> PortKey:
        """Read `TCP/8080` (or bare `8080`, meaning TCP) as written in fixtures and CLIs."""
        protocol, _, port = text.rpartition("/")
        return cls(protocol.upper() or "TCP", int(port))


@frozen(order=True)
class Allow:
    """One permitted connection: `src` may open `protocol/port` on `dst`."""

    src: str
    dst: str
    protocol: str = field(validator=_check_protocol)
    port: int

    @property
    def port_key(self) -> PortKey:
        return PortKey(self.protocol, self.port)

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} {self.protocol}/{self.port}"


@frozen
class Connectivity:
    """Every allowed connection among `endpoints`, over the ports those endpoints listen on.

    `endpoints` keeps display order (workloads first, then the peers around them) and is part of
    equality, so two analyses that saw different workloads never compare equal by accident.
    """

    endpoints: tuple[str, ...]
    allows: frozenset[Allow] = field(converter=frozenset)

    def allowed(self, src: str, dst: str, protocol: str, port: int) -> bool:
        return Allow(src, dst, protocol, port) in self.allows

    def ports(self, src: str, dst: str) -> tuple[PortKey, ...]:
        """The ports `src` may reach on `dst`, sorted, for one matrix cell."""
        return tuple(sorted(a.port_key for a in self.allows if a.src == src and a.dst == dst))

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((a.src, a.dst) for a in self.allows)


def parse_allows(text: str) -> frozenset[Allow]:
    """Read the `render_allows` format back (`src -> dst: TCP/80,UDP/53` per line).

    Blank lines and `#` comments are skipped, so expectations can be written by hand in it.
    """
    out: set[Allow] = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        pair, sep, ports = line.rpartition(":")
        src, arrow, dst = pair.partition(" -> ")
        if not sep or not arrow:
            raise ValueError(f"expected 'src -> dst: PROTO/PORT,...', got {raw!r}")
        for text_port in ports.replace(",", " ").split():
            key = PortKey.parse(text_port)
            out.add(Allow(src.strip(), dst.strip(), key.protocol, key.port))
    return frozenset(out)
