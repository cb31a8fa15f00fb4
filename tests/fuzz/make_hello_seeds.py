#!/usr/bin/python3
# Regenerates the seed corpus of the ClientHello fuzz targets:
#
#   /usr/bin/python3 tests/fuzz/make_hello_seeds.py tests/fuzz/corpus
#
# writes corpus/hello (byte streams) and corpus/hello_gen (choices for the
# structure-aware target, encoded as fuzz_hello_gen.c reads them):
#
# - real ClientHellos: `openssl s_client` (several option sets) connects to
#   a listener on a free loopback port that records the first flight;
# - Python-built ones the size of a post-quantum hybrid key share
#   (X25519MLKEM768: a 1216-byte share, as recent browsers send), with and
#   without GREASE, with several names and without SNI;
# - each in other record framings (1-byte records, the handshake header in
#   a record of its own, 512-byte records), as clients and middleboxes may
#   split them;
# - a few non-TLS and broken streams.
#
# The output is deterministic except for the openssl captures (random,
# session id, key shares), which is why the files are committed.

import os
import socket
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from lib.hello import browser_hello, records  # noqa: E402


def record_stream_complete(buf):
    """True when buf holds a whole handshake message (or is not TLS)."""
    if len(buf) >= 1 and buf[0] != 22:
        return True
    have = b""
    pos = 0
    while pos + 5 <= len(buf):
        rlen = struct.unpack(">H", buf[pos + 3:pos + 5])[0]
        have += buf[pos + 5:pos + 5 + rlen]
        if len(have) >= 4:
            need = 4 + int.from_bytes(have[1:4], "big")
            if len(have) >= need:
                return True
        pos += 5 + rlen
    return False


def capture(args, name):
    """Runs openssl s_client against a recording listener."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)
    port = srv.getsockname()[1]
    got = bytearray()

    def serve():
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        conn.settimeout(5)
        try:
            while not record_stream_complete(bytes(got)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                got.extend(chunk)
        except OSError:
            pass
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port]
    if name is not None:
        cmd += ["-servername", name]
    else:
        cmd += ["-noservername"]
    cmd += args
    subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=20)
    t.join()
    srv.close()
    return bytes(got)


def message_of(stream):
    """The handshake message carried by a record stream."""
    msg = b""
    pos = 0
    while pos + 5 <= len(stream):
        rlen = struct.unpack(">H", stream[pos + 3:pos + 5])[0]
        msg += stream[pos + 5:pos + 5 + rlen]
        pos += 5 + rlen
    need = 4 + int.from_bytes(msg[1:4], "big")
    return msg[:need]


class Choices:
    """Encodes choices the way fuzz_hello_gen.c (fuzz_in_*) reads them."""

    ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-._ABCXYZ"

    def __init__(self):
        self.b = bytearray()

    def u8(self, v):
        self.b.append(v & 0xff)

    def u16(self, v):
        self.b += struct.pack(">H", v & 0xffff)

    def range(self, lo, hi, v):
        if hi - lo < 256:
            self.u8(v - lo)
        else:
            self.u16(v - lo)

    def sni(self, entries, list_len=None):
        self.u8(0)                              # kind: server_name
        self.range(1, 3, len(entries))
        for etype, name in entries:
            self.u8(0x80 | etype if etype else 0)
            self.range(0, 300, len(name))
            self.u8(0)                          # host name characters
            for ch in name:
                self.u8(self.ALPHABET.index(ch))
        if list_len is None:
            self.u8(0)
        else:
            self.u8(0xff)
            self.u16(list_len)


def gen_seed(flags=0, exts=(), frag=16384, records=(), sid=32, suites=8):
    c = Choices()
    c.u8(flags)
    if flags & 0x80:
        c.u8(0)                                 # not corrupted
    c.u8(0x42)                                  # random
    c.range(0, 32, sid)
    c.range(1, 64, suites)
    c.range(1, 3, 1)                            # compression
    if (flags >> 2) & 7 != 7:
        c.range(0, 10, len(exts))
        for e in exts:
            e(c)
    if flags & 0x20:
        c.range(1, 8, 3)
    c.range(1, 16384, frag)
    for r in records:
        c.u8(0x7f)
        c.range(1, 300, r)
    return bytes(c.b)


def ext_simple(kind):
    return lambda c: c.u8(kind)


def ext_sized(kind, size, hi):
    def put(c):
        c.u8(kind)
        c.range(0, hi, size)
    return put


def hello_gen_seeds():
    host = "lkc-abc12-l63jl.us-west-2.aws.glb.confluent.cloud"
    sni = lambda entries, **kw: (lambda c: c.sni(entries, **kw))
    return {
        "classic": gen_seed(exts=[ext_simple(2), sni([(0, host)]),
                                  ext_simple(1)]),
        "pq-512-records": gen_seed(exts=[sni([(0, host)]), ext_simple(1),
                                         ext_sized(3, 512, 2048)],
                                   frag=512),
        "pq-1byte-records": gen_seed(exts=[ext_simple(1),
                                           sni([(0, "kafka.example.com")])],
                                     frag=1),
        "mixed-records": gen_seed(exts=[sni([(0, host)]), ext_simple(1)],
                                  frag=700, records=(5, 1, 300)),
        "huge-extension": gen_seed(flags=0x40,
                                   exts=[ext_sized(4, 40000, 40000),
                                         sni([(0, host)])]),
        "too-large": gen_seed(exts=[ext_sized(4, 20000, 40000),
                                    sni([(0, host)])]),
        "nosni": gen_seed(exts=[ext_simple(2), ext_sized(3, 100, 2048)]),
        "no-extensions": gen_seed(flags=0x1c),
        "sni-second-entry": gen_seed(exts=[sni([(5, "ignored"),
                                                (0, "second.example")])]),
        "sni-empty-name": gen_seed(exts=[sni([(0, "")])]),
        "sni-bad-list-length": gen_seed(exts=[sni([(0, host)],
                                                  list_len=7)]),
        "trailing-after-extensions": gen_seed(flags=0x20,
                                              exts=[sni([(0, host)])]),
    }


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    gen = os.path.join(top, "hello_gen")
    os.makedirs(gen, exist_ok=True)
    for name, data in sorted(hello_gen_seeds().items()):
        with open(os.path.join(gen, name + ".bin"), "wb") as f:
            f.write(data)

    out = os.path.join(top, "hello")
    os.makedirs(out, exist_ok=True)
    seeds = {}

    host = "lkc-abc12-l63jl.us-west-2.aws.glb.confluent.cloud"
    broker = "e-0a1b-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud"
    runs = [
        ("openssl-tls13", [], host),
        ("openssl-tls12", ["-tls1_2"], broker),
        ("openssl-alpn", ["-alpn", "h2,http/1.1"], host),
        ("openssl-nosni", [], None),
        ("openssl-longname", [], ".".join(["a" * 63] * 3) + ".b"),
        ("openssl-x448", ["-groups", "x448:P-521"], host),
    ]
    for name, args, sni in runs:
        try:
            data = capture(args, sni)
        except (OSError, subprocess.SubprocessError) as e:
            print("capture %s failed: %s" % (name, e), file=sys.stderr)
            continue
        if data:
            seeds[name] = data

    built = {
        "pq-chrome": browser_hello([(0, host.encode())], pq=True,
                                  grease=True),
        "pq-plain": browser_hello([(0, broker.encode())], pq=True),
        "pq-padded": browser_hello([(0, host.encode())], pq=True, pad=512),
        "pq-nosni": browser_hello(None, pq=True),
        "classic": browser_hello([(0, b"kafka.example.com")], pq=False),
        "sni-two-entries": browser_hello([(1, b"ignored"),
                                         (0, b"second.example.com")],
                                        pq=False),
        "sni-other-type-only": browser_hello([(2, b"not-a-host-name")],
                                            pq=False),
        "sni-nul": browser_hello([(0, b"evil\x00.example.com")], pq=False),
    }
    for name, msg in built.items():
        seeds[name] = records(msg, 16384)

    # other framings of some of them
    for name in ("openssl-tls13", "pq-chrome", "pq-padded"):
        if name not in seeds:
            continue
        msg = message_of(seeds[name])
        seeds[name + "-512"] = records(msg, 512)
        seeds[name + "-hdr-alone"] = records(msg[:4], 4) + records(msg[4:],
                                                                16384)
    msg = message_of(seeds["classic"])
    seeds["classic-1byte"] = records(msg, 1, minor=3)
    seeds["classic-2records-trailing"] = records(msg, 100) + b"\x14\x03\x03"

    # not TLS, or broken
    seeds["http"] = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    seeds["sslv2"] = bytes.fromhex("802b0103010012000000100000"
                                   "0300000000000000000000000000000000")
    seeds["truncated"] = seeds["pq-chrome"][:700]
    seeds["bad-record-len"] = b"\x16\x03\x01\x40\x01" + b"\x01" * 64
    seeds["not-client-hello"] = records(b"\x02\x00\x00\x30" + bytes(48),
                                      16384)

    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
