"""A small authoritative DNS server answering from a cclink route table,
as the module's DNS server does (issue 15 part 1), for tests on branches
where the module has no DNS server yet.

    s = StandIn(routes_path, address="203.0.113.10", zones=["confluent.cloud"])
    s.start(); s.port ...; s.stop()

A name the table routes (exact, "*." wildcard, "~" regex; case-insensitive,
one trailing dot ignored) gets an authoritative A record with the address;
another type of a routed name gets NOERROR with no answer; an unrouted
name inside the zones NXDOMAIN with an SOA; a name outside them REFUSED.
UDP on 127.0.0.1, a free port; the serving thread stops on stop().
"""

import re
import socket
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def load_routes(path):
    exact, wild, regex = set(), [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or parts[0] != "route":
                continue
            key = parts[1]
            if key.startswith("~"):
                regex.append(re.compile(key.lstrip("~*"), re.I))
            elif key.startswith("*."):
                wild.append(key[1:].lower())
            else:
                exact.add(key.lower().rstrip("."))
    return exact, wild, regex


class StandIn:
    def __init__(self, routes_path, address, zones):
        self.routes = load_routes(routes_path)
        self.address = address
        self.zones = [z.lower() for z in zones]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries = []
        self._stop = threading.Event()
        self._thread = None

    def routed(self, name):
        exact, wild, regex = self.routes
        name = name.lower().rstrip(".")
        return (name in exact or any(name.endswith(w) for w in wild)
                or any(r.search(name) for r in regex))

    def in_zones(self, name):
        name = name.lower().rstrip(".")
        return any(name == z or name.endswith("." + z) for z in self.zones)

    def answer(self, wire):
        q = dns.message.from_wire(wire)
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        r.flags &= ~dns.flags.RA
        (question,) = q.question
        name = question.name.to_text()
        self.queries.append(name)
        if not self.in_zones(name):
            r.set_rcode(dns.rcode.REFUSED)
            r.flags &= ~dns.flags.AA
        elif self.routed(name):
            if question.rdtype in (dns.rdatatype.A, dns.rdatatype.ANY):
                r.answer.append(dns.rrset.from_text(
                    question.name, 30, "IN", "A", self.address))
        else:
            r.set_rcode(dns.rcode.NXDOMAIN)
            zone = max((z for z in self.zones
                        if name.lower().rstrip(".").endswith(z)), key=len)
            r.authority.append(dns.rrset.from_text(
                zone + ".", 30, "IN", "SOA",
                "ns.%s. hostmaster.%s. 1 3600 600 86400 30" % (zone, zone)))
        return r.to_wire()

    def _serve(self):
        while not self._stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self.answer(wire), peer)
            except Exception:       # a malformed query: dropped
                continue

    def start(self):
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sock.close()
