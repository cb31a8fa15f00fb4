"""Client helpers: Python TLS connections through the proxy, hand-made
ClientHellos (built by lib.hello), and the real command-line clients
(openssl s_client, curl)."""

import socket
import ssl
import subprocess

from lib.hello import client_hello


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
