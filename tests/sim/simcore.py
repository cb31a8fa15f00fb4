"""Plumbing shared by the simulator's HTTP servers.

- SimHTTPServer: a ThreadingHTTPServer that does the TLS handshake (when it
  has an ssl context) in the worker thread, so a slow or broken client never
  blocks the accept loop.
- FaultBook: faults injected at run time through the admin API, matched by
  method, path and query, consumed per request (count / skip).
- RequestLog: what the server saw, for tests to assert on.
- run_server(): port file, SIGTERM/SIGINT handling, clean shutdown.

Standard library only.
"""

import copy
import fnmatch
import ipaddress
import itertools
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# ---------------------------------------------------------------------------
# small helpers

def parse_listen(value):
    """'127.0.0.1:0' -> ('127.0.0.1', 0). IPv6 as '[::1]:0'."""
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise ValueError("listen address %r is not HOST:PORT" % value)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def write_file_atomic(path, text):
    """Writes text to path through a temporary file and a rename, so a
    reader polling for the file never sees it half written."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def is_loopback(address):
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def new_request_id():
    return str(uuid.uuid4())


def strip_private(obj):
    """Deep copy of obj without keys that start with '_' (scenario comments
    and simulator-only data such as '_sim')."""
    if isinstance(obj, dict):
        return {k: strip_private(v) for k, v in obj.items()
                if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(obj, list):
        return [strip_private(v) for v in obj]
    return obj


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch; returns the patched copy."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_bytes(obj):
    return (json.dumps(obj, indent=None, separators=(",", ":"))
            + "\n").encode()


# ---------------------------------------------------------------------------
# faults

class FaultError(ValueError):
    """A fault specification that cannot be accepted."""


# Fields every fault may carry, and the kinds each server supports with
# the extra fields each kind takes (None: optional).
_COMMON_FIELDS = {"path", "method", "query", "kind", "count", "skip",
                  "comment"}
FAULT_KINDS = {
    "status": {"status", "retry_after", "rate_limit_reset", "headers",
               "body", "content_type"},
    "slow": {"delay"},
    "truncate": set(),
    "malformed": {"body"},
    "page_fail": {"page", "status", "retry_after", "rate_limit_reset",
                  "headers", "body", "content_type"},
    "drop": {"resource"},
    "redirect": {"status", "location"},
    "close": set(),
}

# The order in which a request meets the faults.
EARLY_KINDS = ("status", "redirect", "close")
BODY_KINDS = ("truncate", "malformed")


class FaultBook:
    """Faults injected at run time.

    A fault matches a request when its 'path' equals the request path (or
    matches it as a shell pattern when it contains '*', '?' or '['), its
    'method' (if given) equals the method and every name in its 'query'
    dict has that value in the request's query string. The first 'skip'
    matching requests are let through; the next 'count' (default 1; -1 for
    ever) get the fault. Then the fault is spent and disappears.
    """

    def __init__(self, kinds):
        self._kinds = dict(kinds)
        self._lock = threading.Lock()
        self._faults = []
        self._ids = itertools.count(1)

    def add(self, spec):
        """Validates and stores one fault; returns the stored copy."""
        if not isinstance(spec, dict):
            raise FaultError("a fault must be a JSON object")
        if "id" in spec or "applied" in spec:
            raise FaultError("'id' and 'applied' are set by the simulator")
        kind = spec.get("kind")
        if kind not in self._kinds:
            raise FaultError("unknown fault kind %r (known: %s)"
                             % (kind, ", ".join(sorted(self._kinds))))
        unknown = set(spec) - _COMMON_FIELDS - self._kinds[kind]
        if unknown:
            raise FaultError("fault kind %r does not take %s"
                             % (kind, ", ".join(sorted(unknown))))
        fault = dict(spec)
        fault.setdefault("path", "*")
        if not isinstance(fault["path"], str) or not fault["path"]:
            raise FaultError("'path' must be a non-empty string")
        count = fault.setdefault("count", 1)
        skip = fault.setdefault("skip", 0)
        if (not isinstance(count, int) or isinstance(count, bool)
                or (count < 1 and count != -1)):
            raise FaultError("'count' must be a positive integer or -1")
        if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
            raise FaultError("'skip' must be an integer >= 0")
        query = fault.setdefault("query", {})
        if not isinstance(query, dict):
            raise FaultError("'query' must be an object")
        if "method" in fault:
            fault["method"] = str(fault["method"]).upper()
        self._check_kind_fields(kind, fault)
        with self._lock:
            fault["id"] = next(self._ids)
            fault["applied"] = 0
            self._faults.append(fault)
            return dict(fault)

    @staticmethod
    def _check_kind_fields(kind, fault):
        def want_int(name, lo, hi):
            v = fault.get(name)
            if v is None:
                return
            if not isinstance(v, int) or isinstance(v, bool) \
                    or not lo <= v <= hi:
                raise FaultError("'%s' must be an integer in %d..%d"
                                 % (name, lo, hi))

        if kind in ("status", "page_fail"):
            if kind == "status" and "status" not in fault:
                raise FaultError("fault kind 'status' needs 'status'")
            fault.setdefault("status", 500)
            want_int("status", 400, 599)
            want_int("retry_after", 0, 86400)
            want_int("rate_limit_reset", 0, 86400)
            if kind == "page_fail":
                if "page" not in fault:
                    raise FaultError("fault kind 'page_fail' needs 'page'")
                want_int("page", 1, 1000000)
            if not isinstance(fault.get("headers", {}), dict):
                raise FaultError("'headers' must be an object")
        elif kind == "slow":
            delay = fault.get("delay")
            if not isinstance(delay, (int, float)) or isinstance(delay, bool) \
                    or not 0 <= delay <= 600:
                raise FaultError("fault kind 'slow' needs 'delay' in "
                                 "seconds (0..600)")
        elif kind == "drop":
            if not isinstance(fault.get("resource"), str) \
                    or not fault["resource"]:
                raise FaultError("fault kind 'drop' needs 'resource', the "
                                 "id of the resource to leave out")
        elif kind == "redirect":
            fault.setdefault("status", 307)
            if fault["status"] not in (301, 302, 303, 307, 308):
                raise FaultError("'status' of a redirect must be 301, 302, "
                                 "303, 307 or 308")

    def list(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def remove(self, fault_id):
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f["id"] != fault_id]
            return len(self._faults) != before

    def clear(self):
        with self._lock:
            n = len(self._faults)
            self._faults = []
            return n

    @staticmethod
    def _matches(fault, method, path, query):
        pattern = fault["path"]
        if any(c in pattern for c in "*?["):
            if not fnmatch.fnmatchcase(path, pattern):
                return False
        elif pattern != path:
            return False
        if "method" in fault and fault["method"] != method:
            return False
        for name, value in fault["query"].items():
            if query.get(name) != str(value):
                return False
        return True

    def _consume(self, fault):
        """Called with the lock held for a matching request; True when the
        fault applies to this request (it may be skipped instead)."""
        if fault["skip"] > 0:
            fault["skip"] -= 1
            return False
        fault["applied"] += 1
        if fault["count"] != -1:
            fault["count"] -= 1
            if fault["count"] == 0:
                self._faults.remove(fault)
        return True

    def take(self, kinds, method, path, query, first_only=True, when=None):
        """Returns the faults of the given kinds that apply to this request
        (at most one when first_only), consuming them. 'when' is an extra
        predicate on the fault (used for page numbers)."""
        taken = []
        with self._lock:
            for fault in list(self._faults):
                if fault["kind"] not in kinds:
                    continue
                if not self._matches(fault, method, path, query):
                    continue
                if when is not None and not when(fault):
                    continue
                if self._consume(fault):
                    taken.append(dict(fault))
                    if first_only:
                        break
        return taken


# ---------------------------------------------------------------------------
# request log

class RequestLog:
    """Every request a server answered, oldest first, each with a sequence
    number so a test can ask only for what came after a point."""

    def __init__(self, limit=100000):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = itertools.count(1)
        self._limit = limit

    def add(self, entry):
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)
            if len(self._entries) > self._limit:
                del self._entries[:len(self._entries) - self._limit]
            return entry["seq"]

    def entries(self, since=0, path=None):
        with self._lock:
            out = [dict(e) for e in self._entries if e["seq"] > since]
        if path is not None:
            if any(c in path for c in "*?["):
                out = [e for e in out if fnmatch.fnmatchcase(e["path"], path)]
            else:
                out = [e for e in out if e["path"] == path]
        return out

    def clear(self):
        with self._lock:
            n = len(self._entries)
            self._entries = []
            return n


# ---------------------------------------------------------------------------
# HTTP server

class SimHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with optional TLS, handshaking per thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, ssl_context=None,
                 handshake_timeout=10.0):
        host = address[0]
        self.address_family = (socket.AF_INET6 if ":" in host
                               else socket.AF_INET)
        self.ssl_context = ssl_context
        self.handshake_timeout = handshake_timeout
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            request.settimeout(self.handshake_timeout)
            try:
                request = self.ssl_context.wrap_socket(request,
                                                       server_side=True)
            except (ssl.SSLError, OSError):
                # A client that gives up or does not trust our CA: nothing
                # to answer. The socket is closed by shutdown_request().
                return
            request.settimeout(None)
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        # Broken pipes and resets from clients that went away (tests cut
        # connections on purpose) are not server errors.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


class SimHandler(BaseHTTPRequestHandler):
    """Base handler: HTTP/1.1 with keep-alive, quiet or file logging, and
    helpers to send JSON with exact Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "cclink-sim"
    sys_version = ""
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 300
    # Bytes of request body we accept (admin and REST calls are small).
    max_body = 1 << 20

    def version_string(self):
        return self.server_version

    @property
    def state(self):
        return self.server.state

    # every method goes to dispatch(), which each server's handler defines

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_OPTIONS(self):
        self.dispatch()

    def dispatch(self):
        raise NotImplementedError

    def log_message(self, fmt, *args):
        log = getattr(self.server, "access_log", None)
        if log is not None:
            log.write("%s - [%s] %s\n" % (self.client_address[0],
                                          self.log_date_time_string(),
                                          fmt % args))
            log.flush()

    def read_body(self):
        """Request body as bytes (None when there is none). Raises
        ValueError when it is too large or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise ValueError("chunked request bodies are not supported")
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        n = int(length)
        if n < 0 or n > self.max_body:
            raise ValueError("request body too large")
        return self.rfile.read(n)

    # -- request log: an entry is committed just before the answer goes
    # out, so a client that got its answer always finds it in the log.

    def begin_log(self, log, entry):
        """Starts the log entry of this request (committed on answer)."""
        self._log = (log, entry, time.monotonic())

    def commit_log(self, status):
        pending = getattr(self, "_log", None)
        if pending is None:
            return
        self._log = None
        log, entry, t0 = pending
        entry["status"] = status
        entry["duration"] = round(time.monotonic() - t0, 4)
        log.add(entry)

    def send_raw(self, status, body, headers=(), content_type=None,
                 reason=None):
        """Sends a complete response. headers: iterable of (name, value)."""
        self.commit_log(status)
        self.send_response(status, reason)
        if content_type is not None and body is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body or b"")))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def send_truncated(self, status, body, headers=(), content_type=None):
        """Sends the headers of a complete response (Content-Length of the
        whole body) but only the first half of the body, then closes."""
        self.close_connection = True
        self.commit_log(status)
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        self.abort_connection()

    def abort_connection(self):
        """Closes the connection now, without a response or a TLS
        close_notify, as a crashed server or a cut network would."""
        self.commit_log(0)
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        sock = self.connection
        raw = sock
        try:
            raw = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:
            raw = None
        try:
            if raw is not None:
                raw.shutdown(socket.SHUT_RDWR)
                raw.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# process life cycle

def run_server(server, port_file=None, ready_info=None, on_stop=None):
    """Serves until SIGTERM or SIGINT, then shuts down cleanly.

    Once the socket listens, writes the bound port to port_file (atomically;
    the file holds the port number and a newline). ready_info: extra text
    printed on stdout when ready.
    """
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.2},
                              name="serve", daemon=True)
    thread.start()
    port = server.server_address[1]
    if port_file:
        write_file_atomic(port_file, "%d\n" % port)
    if ready_info:
        print(ready_info, flush=True)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    thread.join(5)
    if on_stop is not None:
        on_stop()
    return 0


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns a true value (returned) or the
    timeout passes (TimeoutError). A bounded loop, never a blind sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s"
                               % (timeout, what))
        time.sleep(interval)
