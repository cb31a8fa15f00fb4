"""Test backends on loopback, each in its own threads.

TLSBackend terminates TLS with a certificate from the test CA. After the
handshake it answers an HTTP request with "backend=<name>" and otherwise
echoes every line back prefixed with "<name>:", so a client can tell which
backend it reached and keep a connection busy with ping-pong.

RawBackend records the bytes each connection sends, without TLS, to check
that the proxy passes a ClientHello through untouched.

Both count accepted TCP connections, so that a test can assert that a
refused client reached no backend at all.
"""

import socket
import ssl
import threading


class _Server:
    def __init__(self, host, port):
        self.host = host
        self.sock = socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(1024)
        self.accepted = 0
        self.lock = threading.Lock()
        self.conns = []
        self.closing = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closing:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(c)
            threading.Thread(target=self._serve_safe, args=(c,),
                             daemon=True).start()

    def _serve_safe(self, c):
        try:
            self.serve(c)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def close(self):
        self.closing = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                    c.close()
                except OSError:
                    pass


class TLSBackend(_Server):
    def __init__(self, name, cert, key, host="127.0.0.1", port=0):
        self.name = name
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.handshakes = 0
        super().__init__(host, port)

    def serve(self, c):
        c.settimeout(60)
        t = self.ctx.wrap_socket(c, server_side=True)
        with self.lock:
            self.handshakes += 1
        f = t.makefile("rb")
        first = f.readline()
        if first.startswith(b"GET ") or first.startswith(b"POST "):
            while f.readline() not in (b"\r\n", b"\n", b""):
                pass
            body = ("backend=%s\n" % self.name).encode()
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                      % (len(body), body))
            try:
                t.unwrap()          # a clean TLS close_notify
            except (OSError, ssl.SSLError, ValueError):
                pass
            return
        line = first
        while line:
            t.sendall(self.name.encode() + b":" + line)
            line = f.readline()


class RawBackend(_Server):
    def __init__(self, host="127.0.0.1", port=0):
        self.received = []
        super().__init__(host, port)

    def serve(self, c):
        c.settimeout(10)
        buf = bytearray()
        with self.lock:
            self.received.append(buf)
        while True:
            d = c.recv(65536)
            if not d:
                return
            buf.extend(d)
