"""Client helpers: Python TLS connections through the proxy, hand-made
ClientHellos, and the real command-line clients (openssl s_client, curl)."""

import os
import socket
import ssl
import struct
import subprocess


def ctx_for(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    return ctx


def tls_connect(port, sni, ca, host="127.0.0.1", timeout=5):
    """A verified TLS connection through the proxy; raises on refusal."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        return ctx_for(ca).wrap_socket(raw, server_hostname=sni)
    except Exception:
        raw.close()
        raise


def ping(t, text="ping"):
    """Sends one line, returns the echoed line (backend name prefixed)."""
    t.sendall(text.encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        d = t.recv(4096)
        if not d:
            raise ConnectionError("connection closed")
        buf += d
    return buf.decode().strip()


def which_backend(port, sni, ca, host="127.0.0.1"):
    with tls_connect(port, sni, ca, host) as t:
        return ping(t).split(":", 1)[0]


def refused(port, sni=None, host="127.0.0.1", data=None, timeout=5):
    """True when the proxy closes the connection without any TLS answer."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        if data is None:
            data = client_hello(sni)
        s.sendall(data)
        try:
            got = s.recv(4096)
        except ConnectionResetError:
            return True
        return got == b""
    finally:
        s.close()


def s_client(port, servername, ca, request=b"GET / HTTP/1.0\r\n\r\n",
             host="127.0.0.1"):
    """Runs openssl s_client, verifying the backend's certificate; returns
    (exit code, stdout+stderr)."""
    args = ["openssl", "s_client", "-quiet", "-connect",
            "%s:%d" % (host, port), "-CAfile", ca, "-verify_return_error"]
    if servername is None:
        args.append("-noservername")
    else:
        args += ["-servername", servername]
    p = subprocess.run(args, input=request, capture_output=True, timeout=20)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def curl(url, name, port, ca, host="127.0.0.1", extra=()):
    """curl to https://name:port/... reaching the proxy at host:port."""
    p = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", ca,
                        "--connect-to", "%s:%d:%s:%d" % (name, port, host,
                                                         port)]
                       + list(extra) + [url], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def _u16(n):
    return struct.pack("!H", n)


def handshake(sni, key_share=32, pad=0):
    """A TLS 1.3 ClientHello handshake message (with its 4-byte header).
    key_share is the size of the X25519MLKEM768-like key share to include
    (1216 as browsers send it) and pad the size of a padding extension
    standing in for the rest (ECH GREASE, ALPN, ...): 1216 and 420 make the
    ~1.8 KB hello of a current browser."""
    body = b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32)
    body += _u16(6) + b"\x13\x01\x13\x02\x13\x03" + b"\x01\x00"
    exts = b""
    if sni is not None:
        name = sni.encode()
        entry = b"\x00" + _u16(len(name)) + name
        exts += _u16(0) + _u16(len(entry) + 2) + _u16(len(entry)) + entry
    exts += _u16(43) + _u16(3) + b"\x02\x03\x04"            # versions
    exts += _u16(10) + _u16(6) + _u16(4) + b"\x11\xec\x00\x1d"  # groups
    exts += _u16(13) + _u16(4) + _u16(2) + b"\x08\x04"      # sig algs
    shares = (_u16(0x11ec) + _u16(key_share) + os.urandom(key_share)
              + _u16(0x001d) + _u16(32) + os.urandom(32))
    exts += _u16(51) + _u16(len(shares) + 2) + _u16(len(shares)) + shares
    if pad:
        exts += _u16(21) + _u16(pad) + bytes(pad)
    body += _u16(len(exts)) + exts
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def records(hs, frag=16384):
    out = b""
    for i in range(0, len(hs), frag):
        part = hs[i:i + frag]
        out += b"\x16\x03\x01" + _u16(len(part)) + part
    return out


def client_hello(sni, key_share=32, frag=16384, pad=0):
    return records(handshake(sni, key_share, pad), frag)
