"""The tests' ClientHello builder: TLS ClientHello messages and the record
streams carrying them, for the integration tests (raw clients), the fuzz
seeds (tests/fuzz/make_hello_seeds.py) and anything else that must send a
ClientHello by hand. The C builder of the benchmarks, the fuzz targets and
the unit tests is tests/lib/hello.c."""

import os
import struct


def u16(n):
    return struct.pack("!H", n)


def vec(n, data):
    """data preceded by its length in n bytes."""
    return len(data).to_bytes(n, "big") + data


def ext(etype, data):
    """One extension: type, length, data."""
    return struct.pack(">HH", etype, len(data)) + data


def sni_ext(names):
    """The server_name extension of [(name type, name bytes), ...]."""
    body = b"".join(bytes([t]) + vec(2, n) for t, n in names)
    return ext(0, vec(2, body))


def _name(sni):
    return sni if isinstance(sni, bytes) else sni.encode()


def handshake(sni, key_share=32, pad=0):
    """A TLS 1.3 ClientHello handshake message (with its 4-byte header).
    sni is a host name (str, or bytes for any bytes a client may send) or
    None for no server_name extension. key_share is the size of the
    X25519MLKEM768-like key share to include (1216 as browsers send it) and
    pad the size of a padding extension standing in for the rest (ECH
    GREASE, ALPN, ...): 1216 and 420 make the ~1.8 KB hello of a current
    browser."""
    body = b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32)
    body += u16(6) + b"\x13\x01\x13\x02\x13\x03" + b"\x01\x00"
    exts = b""
    if sni is not None:
        exts += sni_ext([(0, _name(sni))])
    exts += u16(43) + u16(3) + b"\x02\x03\x04"              # versions
    exts += u16(10) + u16(6) + u16(4) + b"\x11\xec\x00\x1d"  # groups
    exts += u16(13) + u16(4) + u16(2) + b"\x08\x04"         # sig algs
    shares = (u16(0x11ec) + u16(key_share) + os.urandom(key_share)
              + u16(0x001d) + u16(32) + os.urandom(32))
    exts += u16(51) + u16(len(shares) + 2) + u16(len(shares)) + shares
    if pad:
        exts += u16(21) + u16(pad) + bytes(pad)
    body += u16(len(exts)) + exts
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def records(hs, frag=16384, minor=1):
    """hs in handshake records of at most frag bytes (version 3.minor)."""
    out = b""
    for i in range(0, len(hs), frag):
        part = hs[i:i + frag]
        out += bytes([22, 3, minor]) + u16(len(part)) + part
    return out


def client_hello(sni, key_share=32, frag=16384, pad=0):
    """handshake() in records: what a client sends first."""
    return records(handshake(sni, key_share, pad), frag)


def browser_hello(names, pq=True, grease=False, pad=0, seed=1):
    """A TLS 1.3 ClientHello message shaped like a current browser's,
    deterministic for a seed. names: [(name type, bytes), ...] or None."""
    rnd = bytes((seed * 37 + i * 11) & 0xff for i in range(32))
    sid = bytes((seed * 53 + i * 7) & 0xff for i in range(32))
    suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
              0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
              0x0035]
    if grease:
        suites = [0x0a0a] + suites
    exts = []
    if grease:
        exts.append(ext(0x1a1a, b""))
    if names is not None:
        exts.append(sni_ext(names))
    exts.append(ext(23, b""))                          # extended_master_secret
    exts.append(ext(0xff01, b"\x00"))                  # renegotiation_info
    groups = [0x11ec, 0x001d, 0x0017, 0x0018]
    if grease:
        groups = [0x2a2a] + groups
    exts.append(ext(10, vec(2, b"".join(struct.pack(">H", g)
                                        for g in groups))))
    exts.append(ext(11, b"\x01\x00"))                  # ec_point_formats
    exts.append(ext(35, b""))                          # session_ticket
    exts.append(ext(16, vec(2, vec(1, b"h2") + vec(1, b"http/1.1"))))
    exts.append(ext(5, b"\x01\x00\x00\x00\x00"))       # status_request
    sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    exts.append(ext(13, vec(2, b"".join(struct.pack(">H", s)
                                        for s in sigs))))
    shares = b""
    if grease:
        shares += struct.pack(">H", 0x2a2a) + vec(2, b"\x00")
    if pq:
        shares += struct.pack(">H", 0x11ec) + vec(2, bytes(
            (seed + i * 13) & 0xff for i in range(1216)))
    shares += struct.pack(">H", 0x001d) + vec(2, bytes(
        (seed + i * 29) & 0xff for i in range(32)))
    exts.append(ext(51, vec(2, shares)))               # key_share
    exts.append(ext(45, b"\x01\x01"))                  # psk_key_exchange_modes
    vers = b"\x03\x04\x03\x03"
    if grease:
        vers = b"\x3a\x3a" + vers
    exts.append(ext(43, vec(1, vers)))                 # supported_versions
    exts.append(ext(27, b"\x02\x00\x02"))              # compress_certificate
    if pad:
        exts.append(ext(21, bytes(pad)))               # padding
    body = (b"\x03\x03" + rnd + vec(1, sid)
            + vec(2, b"".join(struct.pack(">H", s) for s in suites))
            + b"\x01\x00" + vec(2, b"".join(exts)))
    return b"\x01" + len(body).to_bytes(3, "big") + body
