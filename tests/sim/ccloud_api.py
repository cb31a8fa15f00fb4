#!/usr/bin/env python3
"""Simulated Confluent Cloud control-plane API (api.confluent.cloud).

Serves, over HTTPS with HTTP Basic auth (Cloud API key), the read side of
the APIs a discovery sidecar uses, from one or more scenario files:

    /org/v2/environments[/{id}]
    /cmk/v2/clusters[/{id}]                            ?environment=
    /networking/v1/networks[/{id}]                     ?environment=
    /networking/v1/private-link-accesses[/{id}]        ?environment=
    /networking/v1/private-link-attachments[/{id}]     ?environment=
    /networking/v1/private-link-attachment-connections[/{id}] ?environment=
    /networking/v1/gateways[/{id}]                     ?environment=
    /networking/v1/access-points[/{id}]                ?environment=
    /networking/v1/dns-records[/{id}]                  ?environment=
    /endpoint/v1/endpoints              ?environment=&service=KAFKA|...
    /srcm/v3/clusters[/{id}]                           ?environment=
    /ksqldbcm/v2/clusters[/{id}]                       ?environment=
    /fcpm/v2/regions

Response and error shapes follow the ccloud-sdk-go-v2 OpenAPI specs; list
responses paginate with an opaque page_token and a full metadata.next URL
built from the request's Host. Faults, mutations and the request log are
driven through the admin API under /_sim/ (loopback clients only, no auth).
See README.md.

    ccloud_api.py --scenario FILE [--scenario FILE ...] --cert PEM --key PEM
                  [--listen 127.0.0.1:0] [--port-file PATH]
                  [--api-key ID --api-secret SECRET] [--max-page-size N]
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, quote, urlencode, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenario as sc  # noqa: E402
from simcore import (BODY_KINDS, EARLY_KINDS, FAULT_KINDS, FaultBook,  # noqa
                     FaultError, RequestLog, SimHandler, SimHTTPServer,
                     is_loopback, json_bytes, make_server_context,
                     merge_patch, new_request_id, parse_listen, run_server,
                     strip_private)

DEFAULT_MAX_PAGE_SIZE = 2
DEFAULT_RATE_LIMIT = 1000
DEFAULT_RATE_WINDOW = 60

_TITLES = {
    400: ("bad_request", "Bad Request"),
    401: ("user_unauthenticated", "Authentication Required"),
    403: ("user_unauthorized", "Forbidden Access"),
    404: ("resource_not_found", "Resource Not Found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    409: ("conflict", "Conflict"),
    429: ("too_many_requests", "Too Many Requests"),
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}
_DETAILS = {
    401: "Valid authentication credentials must be provided",
    403: "The credentials are not allowed to access this resource",
    404: "The requested resource was not found",
    500: "Something went wrong on the server",
    503: "The service is temporarily unavailable",
}
WWW_AUTH_MISSING = 'Basic realm="Confluent Cloud"'
WWW_AUTH_INVALID = ('Basic error="invalid_key", '
                    'error_description="The API Key is invalid"')


class ApiError(Exception):
    """An error answered with the per-API 'Failure' body:
    {"errors":[{"id","status","code","title","detail","source"}]}."""

    def __init__(self, status, detail=None, code=None, title=None,
                 parameter=None, headers=(), body=None):
        super().__init__(detail)
        dcode, dtitle = _TITLES.get(status, ("error", "Error"))
        self.status = status
        self.code = code or dcode
        self.title = title or dtitle
        self.detail = detail if detail is not None else _DETAILS.get(status)
        self.parameter = parameter
        self.headers = list(headers)
        self.body = body        # None: the Failure body; b"": no body

    def failure(self, request_id):
        err = {"id": request_id, "status": str(self.status),
               "code": self.code, "title": self.title}
        if self.detail:
            err["detail"] = self.detail
        if self.parameter:
            err["source"] = {"parameter": self.parameter}
        return {"errors": [err]}


class RateLimiter:
    """Fixed-window request counter per credential (or client address)."""

    def __init__(self, limit, window):
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._windows = {}

    def hit(self, who):
        """Counts one request; returns (allowed, limit, remaining, reset)."""
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(who, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._windows[who] = (start, count)
        reset = max(1, int(round(start + self.window - now)))
        if self.limit <= 0:
            return True, 0, 0, reset
        remaining = max(self.limit - count, 0)
        return count <= self.limit, self.limit, remaining, reset


# ---------------------------------------------------------------------------
# state

class ApiState:
    """Everything the server holds; guarded by self.lock where mutable."""

    def __init__(self, scenario_paths, api_key, api_secret, max_page_size,
                 rate_limit, rate_window):
        self.scenario_paths = list(scenario_paths)
        self.initial = sc.load(self.scenario_paths)
        self.store = self.initial.clone()
        self.lock = threading.RLock()
        self.keys = {api_key: api_secret} if api_key else {}
        self.max_page_size = max_page_size
        self.faults = FaultBook(FAULT_KINDS)
        self.log = RequestLog()
        self.limiter = RateLimiter(rate_limit, rate_window)
        # Part of every page token, so tokens from another server instance
        # are refused as they would be after a real token expired.
        self.token_salt = binascii.hexlify(os.urandom(4)).decode()


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# rendering resources

class Renderer:
    """Turns scenario-form resources into API objects for one request
    (links are built from the request's base URL)."""

    def __init__(self, store, base):
        self.store = store
        self.base = base

    def crn(self, kind, obj):
        text = kind.crn
        while "{" in text:
            start = text.index("{")
            end = text.index("}", start)
            name = text[start + 1:end]
            if name == "id":
                value = obj["id"]
            elif name == "env":
                value = obj.get("_env", "")
            else:
                value = sc.ref_id(sc.get_path(obj, name)) or ""
            text = text[:start] + str(value) + text[end + 1:]
        return "crn://confluent.cloud/organization=%s/%s" % (
            self.store.org_id, text)

    def env_reference(self, env_id):
        return {"id": env_id,
                "related": "%s/org/v2/environments/%s" % (self.base, env_id),
                "resource_name": "crn://confluent.cloud/organization=%s/"
                                 "environment=%s" % (self.store.org_id,
                                                     env_id)}

    def reference(self, value, typed):
        given = value if isinstance(value, dict) else {"id": value}
        key, target = self.store.find(given.get("id"))
        if target is None:
            return dict(given)
        kind = sc.KINDS[key]
        ref = {"id": target["id"]}
        if kind.env_scoped:
            ref["environment"] = target["_env"]
        ref["related"] = "%s%s/%s" % (self.base, kind.path, target["id"])
        ref["resource_name"] = self.crn(kind, target)
        if typed:
            ref["api_version"] = kind.api_version
            ref["kind"] = kind.kind
        ref.update({k: v for k, v in given.items() if k not in ref})
        return ref

    def render(self, kind, obj):
        body = strip_private(obj)
        body.pop("id", None)
        meta_in = body.pop("metadata", {})
        out = {"api_version": kind.api_version, "kind": kind.kind,
               "id": obj["id"]}
        meta = {"self": "%s%s/%s" % (self.base, kind.path, quote(obj["id"])),
                "resource_name": self.crn(kind, obj)}
        for name in ("created_at", "updated_at", "deleted_at"):
            if name in meta_in:
                meta[name] = meta_in[name]
        out["metadata"] = meta
        if kind.env_ref and obj.get("_env"):
            sc.set_path(body, kind.env_ref, self.env_reference(obj["_env"]))
        for ref in kind.refs:
            value = sc.get_path(body, ref.field)
            if value is not None:
                sc.set_path(body, ref.field, self.reference(value, ref.typed))
        out.update(body)
        return out


# ---------------------------------------------------------------------------
# list filtering and pagination

def _values_of(obj, path):
    value = sc.get_path(obj, path)
    if isinstance(value, list):
        return [sc.ref_id(v) for v in value]
    if value is None:
        return []
    return [sc.ref_id(value)]


def _bool_param(name, value):
    v = value.lower()
    if v in ("true", "false"):
        return v == "true"
    raise ApiError(400, "'%s' must be true or false, not '%s'" % (name, value),
                   code="invalid_filter", title="Invalid Filter",
                   parameter=name)


def _apply_filters(kind, items, params):
    for name, flt in kind.filters.items():
        if name not in params:
            continue
        wanted = params[name]
        if flt.mode != "multi" and len(wanted) > 1:
            raise ApiError(400, "'%s' may be given only once" % name,
                           code="invalid_filter", title="Invalid Filter",
                           parameter=name)
        if flt.mode == "bool":
            want = _bool_param(name, wanted[0])
            items = [o for o in items
                     if sc.get_path(o, flt.field) is want]
            continue
        low = {w.lower() for w in wanted}
        items = [o for o in items
                 if any(isinstance(v, str) and v.lower() in low
                        for v in _values_of(o, flt.field))]
    return items


def _fingerprint(path, params, salt):
    canon = sorted((k, tuple(v)) for k, v in params.items()
                   if k not in ("page_size", "page_token"))
    h = hashlib.sha256(("%s|%s|%r" % (salt, path, canon)).encode())
    return h.hexdigest()[:10]


def _encode_token(offset, size, fp):
    raw = json.dumps([offset, size, fp], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token, fp):
    bad = ApiError(400, "The page token is invalid or expired",
                   code="invalid_page_token", title="Invalid Page Token",
                   parameter="page_token")
    if len(token) > 255:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        offset, size, tfp = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise bad from None
    if (tfp != fp or not isinstance(offset, int) or not isinstance(size, int)
            or offset < 0 or size < 1):
        raise bad
    return offset, size


def _single(params, name):
    values = params.get(name)
    if values is None or values == [""]:
        return None
    if len(values) > 1:
        raise ApiError(400, "'%s' may be given only once" % name,
                       code="invalid_filter", title="Invalid Filter",
                       parameter=name)
    return values[0]


def _missing(name):
    return ApiError(400, "Missing required query parameter '%s'" % name,
                    code="missing_parameter",
                    title="Missing Required Parameter", parameter=name)


# ---------------------------------------------------------------------------
# request handler

class ApiHandler(SimHandler):
    """One connection's requests: /_sim/ admin calls, or API calls (faults,
    rate limit, auth, routing to list_kind / get_one, body faults)."""

    server_version = "cclink-sim-ccloud"

    # -- dispatch ------------------------------------------------------

    def dispatch(self):
        url = urlsplit(self.path)
        self.url_path = url.path
        self.raw_query = url.query
        self.params = parse_qs(url.query, keep_blank_values=True)
        self.query1 = {k: v[0] for k, v in self.params.items()}
        if self.url_path == "/_sim" or self.url_path.startswith("/_sim/"):
            self.handle_admin()
        else:
            self.handle_api()

    def base_url(self):
        host = self.headers.get("Host")
        if not host:
            h, p = self.server.server_address[:2]
            host = "[%s]:%d" % (h, p) if ":" in h else "%s:%d" % (h, p)
        return "https://" + host

    # -- the API -------------------------------------------------------

    def handle_api(self):
        self.request_id = new_request_id()
        self.applied = []
        self.api_key_id = None
        status = 0
        method, path, q = self.command, self.url_path, self.query1
        # Filled in as the request goes on (key, faults, page), committed
        # by send_raw() just before the answer leaves.
        self.log_entry = {"time": time.time(), "method": method,
                          "path": path, "query": dict(q),
                          "raw_query": self.raw_query, "status": None,
                          "duration": None,
                          "request_id": self.request_id, "key": None,
                          "faults": self.applied}
        self.begin_log(self.state.log, self.log_entry)
        try:
            if self.headers.get("Content-Length") not in (None, "0"):
                self.read_body()
            delays = self.state.faults.take(("slow",), method, path, q,
                                            first_only=False)
            if delays:
                self.applied.extend(f["id"] for f in delays)
                time.sleep(sum(f["delay"] for f in delays))
            early = self.state.faults.take(EARLY_KINDS, method, path, q)
            if early:
                self.applied.append(early[0]["id"])
                status = self.answer_fault(early[0])
                return
            status = self.answer_request()
        except (ConnectionError, OSError):
            status = status or 499
            self.close_connection = True
        finally:
            self.commit_log(status)     # when nothing was answered

    def common_headers(self):
        return [("X-Request-Id", self.request_id)]

    def rate_headers(self, limit, remaining, reset, retry_after=None):
        h = [("X-RateLimit-Limit", limit),
             ("X-RateLimit-Remaining", remaining),
             ("X-RateLimit-Reset", reset)]
        if retry_after is not None:
            h.append(("Retry-After", retry_after))
        return h

    def send_error_obj(self, err):
        headers = self.common_headers() + err.headers
        if err.body is None:
            body = json_bytes(err.failure(self.request_id))
            self.send_raw(err.status, body, headers, "application/json")
        elif err.body == b"":
            self.send_raw(err.status, b"", headers)
        else:
            body, ctype = err.body
            self.send_raw(err.status, body, headers, ctype)
        return err.status

    def fault_error(self, fault):
        """ApiError for a 'status' or 'page_fail' fault."""
        status = fault["status"]
        headers = []
        for name, value in fault.get("headers", {}).items():
            headers.append((name, value))
        body = None
        if status == 429:
            retry = fault.get("retry_after", 1)
            reset = fault.get("rate_limit_reset", retry if retry is not None
                              else 1)
            headers += [("X-RateLimit-Limit", self.state.limiter.limit),
                        ("X-RateLimit-Remaining", 0)]
            if reset is not None:
                headers.append(("X-RateLimit-Reset", reset))
            if retry is not None:
                headers.append(("Retry-After", retry))
            body = b""          # the spec gives a 429 no body
        elif status == 401:
            headers.append(("WWW-Authenticate", WWW_AUTH_INVALID))
        if "body" in fault:
            b = fault["body"]
            ctype = fault.get("content_type")
            if isinstance(b, str):
                body = (b.encode(), ctype or "text/plain")
            else:
                body = (json_bytes(b), ctype or "application/json")
        return ApiError(status, headers=headers, body=body)

    def answer_fault(self, fault):
        kind = fault["kind"]
        if kind == "status":
            return self.send_error_obj(self.fault_error(fault))
        if kind == "redirect":
            location = fault.get("location")
            if not location:
                location = self.base_url() + self.path
            elif location.startswith("/"):
                location = self.base_url() + location
            self.send_raw(fault["status"], b"", self.common_headers()
                          + [("Location", location)])
            return fault["status"]
        # close: no response at all
        self.abort_connection()
        return 0

    def authenticate(self):
        """Returns None when the request carries a known key, else the
        ApiError to answer."""
        auth = self.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic" or not value.strip():
            return ApiError(401, headers=[("WWW-Authenticate",
                                           WWW_AUTH_MISSING)])
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
            key, sep, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key, sep, secret = "", "", ""
        with self.state.lock:
            ok = sep and self.state.keys.get(key) == secret
        if not ok:
            return ApiError(401, headers=[("WWW-Authenticate",
                                           WWW_AUTH_INVALID)])
        self.api_key_id = key
        self.log_entry["key"] = key
        return None

    def answer_request(self):
        state = self.state
        err = self.authenticate()
        who = self.api_key_id or "ip:" + self.client_address[0]
        allowed, limit, remaining, reset = state.limiter.hit(who)
        if not allowed:
            return self.send_error_obj(ApiError(
                429, headers=self.rate_headers(limit, remaining, reset,
                                               retry_after=reset),
                body=b""))
        if err is not None:
            return self.send_error_obj(err)
        try:
            obj = self.route()
        except ApiError as e:
            return self.send_error_obj(e)
        headers = (self.common_headers()
                   + self.rate_headers(limit, remaining, reset))
        body = json_bytes(obj)
        transforms = state.faults.take(BODY_KINDS, self.command,
                                       self.url_path, self.query1)
        if transforms:
            fault = transforms[0]
            self.applied.append(fault["id"])
            if fault["kind"] == "truncate":
                self.send_truncated(200, body, headers, "application/json")
                return 200
            bad = fault.get("body")
            if bad is None:
                bad = (body[:len(body) // 2].decode("utf-8", "replace")
                       + "<!-- upstream error -->")
            self.send_raw(200, bad.encode(), headers, "application/json")
            return 200
        self.send_raw(200, body, headers, "application/json")
        return 200

    def route(self):
        """The response object for an authenticated API request."""
        path = self.url_path.rstrip("/") or "/"
        for kind in sc.KINDS.values():
            if path == kind.path:
                self.require_get()
                return self.list_kind(kind)
            if path.startswith(kind.path + "/"):
                rid = path[len(kind.path) + 1:]
                if "/" in rid or not kind.get_by_id:
                    break
                self.require_get()
                return self.get_one(kind, rid)
        raise ApiError(404, "No such API path '%s'" % self.url_path)

    def require_get(self):
        if self.command not in ("GET", "HEAD"):
            raise ApiError(405, "The simulator serves only GET here",
                           headers=[("Allow", "GET")])

    def check_params(self, kind, allowed):
        for name in self.params:
            if name not in allowed:
                raise ApiError(400, "The '%s' resource can't be filtered by "
                               "'%s'" % (kind.kind, name),
                               code="invalid_filter", title="Invalid Filter",
                               parameter=name)

    def environment_param(self, store):
        env = _single(self.params, "environment")
        if env is None:
            raise _missing("environment")
        if store.environment(env) is None:
            raise ApiError(403, "Forbidden Access: no access to environment "
                           "'%s'" % env)
        return env

    def list_kind(self, kind):
        state = self.state
        allowed = {"page_size", "page_token"} | set(kind.filters)
        if kind.env_scoped:
            allowed.add("environment")
        self.check_params(kind, allowed)
        with state.lock:
            store = state.store
            env = self.environment_param(store) if kind.env_scoped else None
            for name in kind.required:
                value = _single(self.params, name)
                if value is None:
                    raise _missing(name)
                if name == "service" and value.upper() not in \
                        sc.ENDPOINT_SERVICES:
                    raise ApiError(400, "Unknown service '%s' (one of %s)"
                                   % (value, ", ".join(sc.ENDPOINT_SERVICES)),
                                   code="invalid_filter",
                                   title="Invalid Filter", parameter=name)
            items = _apply_filters(kind, store.list(kind.key, env),
                                   self.params)
            present = {o["id"] for o in items}
            drops = state.faults.take(
                ("drop",), self.command, self.url_path, self.query1,
                first_only=False, when=lambda f: f["resource"] in present)
            if drops:
                self.applied.extend(f["id"] for f in drops)
                gone = {f["resource"] for f in drops}
                items = [o for o in items if o["id"] not in gone]
            items.sort(key=lambda o: o["id"])
            offset, size = self.page_window(kind)
            page_no = offset // size + 1
            self.log_entry.update(page=page_no, page_size=size)
            failed = state.faults.take(
                ("page_fail",), self.command, self.url_path, self.query1,
                when=lambda f: f["page"] == page_no)
            if failed:
                self.applied.append(failed[0]["id"])
                raise self.fault_error(failed[0])
            renderer = Renderer(store, self.base_url())
            data = [renderer.render(kind, o)
                    for o in items[offset:offset + size]]
            meta = {"first": self.page_url(kind, None)}
            if offset > 0:
                meta["prev"] = self.page_url(
                    kind, _encode_token(max(offset - size, 0), size,
                                        self.fp(kind)))
            if offset + size < len(items):
                meta["next"] = self.page_url(
                    kind, _encode_token(offset + size, size, self.fp(kind)))
        return {"api_version": kind.api_version, "kind": kind.list_kind,
                "metadata": meta, "data": data}

    def fp(self, kind):
        return _fingerprint(kind.path, self.params, self.state.token_salt)

    def page_window(self, kind):
        """(offset, size) from page_token, or from page_size on a first
        request. The simulator's --max-page-size caps the size."""
        token = _single(self.params, "page_token")
        if token is not None:
            return _decode_token(token, self.fp(kind))
        size = kind.page_default
        raw = _single(self.params, "page_size")
        if raw is not None:
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if not 1 <= size <= kind.page_max:
                raise ApiError(400, "'page_size' must be an integer in "
                               "1..%d" % kind.page_max,
                               code="invalid_page_size",
                               title="Invalid Page Size",
                               parameter="page_size")
        cap = self.state.max_page_size
        if cap > 0:
            size = min(size, cap)
        return 0, size

    def page_url(self, kind, token):
        """A full URL for a page: the request's filters (not page_size,
        which is valid only on a first request) plus the page token."""
        pairs = [(k, v) for k, vs in self.params.items()
                 if k not in ("page_size", "page_token") for v in vs]
        if token is not None:
            pairs.append(("page_token", token))
        url = self.base_url() + kind.path
        if pairs:
            url += "?" + urlencode(pairs)
        return url

    def get_one(self, kind, rid):
        state = self.state
        allowed = {"environment"} if kind.env_scoped else set()
        self.check_params(kind, allowed)
        with state.lock:
            store = state.store
            env = self.environment_param(store) if kind.env_scoped else None
            obj = store.get(kind.key, rid)
            if obj is None or (env is not None and obj.get("_env") != env):
                raise ApiError(404, "%s '%s' was not found" % (kind.kind,
                                                             rid))
            # A drop fault names the list path or this resource's own path.
            drops = []
            for p in (self.url_path, kind.path):
                drops += state.faults.take(
                    ("drop",), self.command, p, self.query1,
                    first_only=False, when=lambda f: f["resource"] == rid)
            if drops:
                self.applied.extend(f["id"] for f in drops)
                raise ApiError(404, "%s '%s' was not found" % (kind.kind,
                                                             rid))
            return Renderer(store, self.base_url()).render(kind, obj)

    # -- the admin API ---------------------------------------------------

    def admin_reply(self, status, obj):
        self.send_raw(status, json_bytes(obj), (), "application/json")

    def handle_admin(self):
        if not is_loopback(self.client_address[0]):
            self.admin_reply(403, {"error": "the admin API answers loopback "
                                            "clients only"})
            return
        try:
            body = self.read_body()
            payload = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError) as e:
            self.admin_reply(400, {"error": "bad JSON body: %s" % e})
            return
        parts = self.url_path.strip("/").split("/")[1:]
        name = parts[0] if parts else ""
        handler = getattr(self, "admin_%s_%s" % (name, self.command.lower()),
                          None)
        if handler is None:
            self.admin_reply(404, {"error": "no admin call %s %s"
                                            % (self.command, self.url_path)})
            return
        try:
            status, obj = handler(parts[1:], payload)
        except (FaultError, MutationError, sc.ScenarioError) as e:
            status, obj = 400, {"error": str(e)}
        self.admin_reply(status, obj)

    def admin_health_get(self, rest, payload):
        return 200, {"ok": True, "serial": self.state.store.serial}

    def admin_faults_get(self, rest, payload):
        return 200, {"faults": self.state.faults.list()}

    def admin_faults_post(self, rest, payload):
        specs = payload if isinstance(payload, list) else [payload]
        # validate all before storing any
        probe = FaultBook(FAULT_KINDS)
        for spec in specs:
            probe.add(spec)
        return 201, {"faults": [self.state.faults.add(s) for s in specs]}

    def admin_faults_delete(self, rest, payload):
        if rest:
            try:
                fid = int(rest[0])
            except ValueError:
                return 400, {"error": "fault id must be an integer"}
            if not self.state.faults.remove(fid):
                return 404, {"error": "no fault %d" % fid}
            return 200, {"removed": 1}
        return 200, {"removed": self.state.faults.clear()}

    def admin_requests_get(self, rest, payload):
        try:
            since = int(self.query1.get("since", "0"))
        except ValueError:
            return 400, {"error": "'since' must be an integer"}
        return 200, {"requests": self.state.log.entries(
            since, self.query1.get("path"))}

    def admin_requests_delete(self, rest, payload):
        return 200, {"removed": self.state.log.clear()}

    def admin_state_get(self, rest, payload):
        with self.state.lock:
            return 200, self.state.store.to_scenario()

    def admin_brokers_get(self, rest, payload):
        cid = self.query1.get("cluster")
        with self.state.lock:
            try:
                return 200, {"cluster": cid,
                             "brokers": self.state.store.brokers(cid)}
            except KeyError:
                return 404, {"error": "no cluster %r" % cid}

    def admin_mutate_post(self, rest, payload):
        if isinstance(payload, dict) and "ops" in payload:
            ops = payload["ops"]
        elif isinstance(payload, list):
            ops = payload
        else:
            ops = [payload]
        with self.state.lock:
            new = apply_mutations(self.state.store, ops)
            self.state.store = new
            return 200, {"applied": len(ops), "serial": new.serial}

    def admin_keys_get(self, rest, payload):
        with self.state.lock:
            return 200, {"keys": sorted(self.state.keys)}

    def admin_keys_post(self, rest, payload):
        if (not isinstance(payload, dict)
                or not isinstance(payload.get("key"), str)
                or not isinstance(payload.get("secret"), str)
                or not payload["key"]):
            return 400, {"error": "want {\"key\": ..., \"secret\": ...}"}
        with self.state.lock:
            self.state.keys[payload["key"]] = payload["secret"]
        return 201, {"key": payload["key"]}

    def admin_keys_delete(self, rest, payload):
        with self.state.lock:
            if not rest or rest[0] not in self.state.keys:
                return 404, {"error": "no such key"}
            del self.state.keys[rest[0]]
        return 200, {"removed": 1}

    def admin_reset_post(self, rest, payload):
        opts = payload if isinstance(payload, dict) else {}
        with self.state.lock:
            if opts.get("state", True):
                serial = self.state.store.serial
                self.state.store = self.state.initial.clone()
                self.state.store.serial = serial + 1
            if opts.get("faults", True):
                self.state.faults.clear()
            if opts.get("requests", True):
                self.state.log.clear()
        return 200, {"ok": True}


# ---------------------------------------------------------------------------
# mutations

class MutationError(ValueError):
    pass


def _touch(obj):
    obj.setdefault("metadata", {})["updated_at"] = _now()


def _remove(store, rid, cascade):
    key, obj = store.find(rid)
    if obj is None:
        raise MutationError("no resource %r" % rid)
    if key == "environments":
        store.environments = [e for e in store.environments
                              if e["id"] != rid]
        for k in sc.ENV_COLLECTIONS:
            store.items[k] = [o for o in store.items[k]
                              if o.get("_env") != rid]
        return
    store.items[key] = [o for o in store.items[key] if o["id"] != rid]
    if cascade:
        # Endpoint objects describe a resource's names: they go with it.
        store.items["endpoints"] = [
            e for e in store.items["endpoints"]
            if rid not in (sc.ref_id(e.get("resource")),
                           sc.ref_id(e.get("access_point")),
                           sc.ref_id(e.get("gateway")))]


def _add(store, op, replace):
    """Adds one resource (op 'add') or adds/replaces it (op 'put'). The
    resource goes through the scenario loader, so it gets the same checks
    and defaults as at start; an environment may carry nested collections.
    """
    kind_key = op.get("type")
    if kind_key not in sc.KINDS:
        raise MutationError("unknown type %r (known: %s)"
                            % (kind_key, ", ".join(sc.KINDS)))
    resource = op.get("resource")
    if not isinstance(resource, dict):
        raise MutationError("'resource' must be an object")
    if replace and store.find(resource.get("id"))[1] is not None:
        _remove(store, resource["id"], cascade=False)
    org = {"id": store.org_id}
    if kind_key == "environments":
        doc = {"organization": org, "environments": [resource]}
    elif kind_key == "flink_regions":
        doc = {"organization": org, "flink_regions": [resource]}
    else:
        env = store.environment(op.get("environment"))
        if env is None:
            raise MutationError("'environment' must name an existing "
                                "environment, not %r" % op.get("environment"))
        shell = {k: v for k, v in env.items() if k != "metadata"}
        shell[kind_key] = [resource]
        doc = {"organization": org, "environments": [shell]}
    _, envs, items = sc.parse_document(doc, "mutate", iter(range(1000000)))
    now = _now()
    given = resource.get("metadata", {})
    if kind_key == "environments":
        for env in envs:
            if store.find(env["id"])[1] is not None:
                raise MutationError("id %r exists (use op 'put' to "
                                    "replace)" % env["id"])
            env["metadata"]["created_at"] = given.get("created_at", now)
            env["metadata"]["updated_at"] = env["metadata"]["created_at"]
            store.environments.append(env)
    for key, objs in items.items():
        for o in objs:
            if store.find(o["id"])[1] is not None:
                raise MutationError("id %r exists (use op 'put' to "
                                    "replace)" % o["id"])
            if o["id"] == resource.get("id"):
                o["metadata"]["created_at"] = given.get("created_at", now)
            else:
                o["metadata"]["created_at"] = now
            o["metadata"]["updated_at"] = o["metadata"]["created_at"]
            store.items[key].append(o)
        store.reindex()


def apply_mutations(store, ops):
    """Applies ops to a copy of store; returns the copy (the caller swaps
    it in), or raises MutationError leaving store untouched."""
    if not isinstance(ops, list) or not ops:
        raise MutationError("want one op, a list of ops or {\"ops\": [...]}")
    new = store.clone()
    for i, op in enumerate(ops):
        try:
            if not isinstance(op, dict):
                raise MutationError("an op must be an object")
            name = op.get("op")
            if name in ("add", "put"):
                _add(new, op, replace=(name == "put"))
            elif name == "remove":
                if "id" not in op:
                    raise MutationError("'remove' needs 'id'")
                _remove(new, op["id"], op.get("cascade", True))
            elif name == "patch":
                key, obj = new.find(op.get("id"))
                patch = op.get("patch")
                if obj is None:
                    raise MutationError("no resource %r" % op.get("id"))
                if not isinstance(patch, dict) or {"id", "_env"} & set(patch):
                    raise MutationError("'patch' must be an object and may "
                                        "not change 'id'")
                patched = merge_patch(obj, patch)
                _touch(patched)
                coll = (new.environments if key == "environments"
                        else new.items[key])
                coll[coll.index(obj)] = patched
            elif name in ("add_broker", "remove_broker"):
                _broker_op(new, op, name)
            else:
                raise MutationError("unknown op %r (add, put, remove, patch,"
                                    " add_broker, remove_broker)" % name)
            new.reindex()
        except (MutationError, sc.ScenarioError) as e:
            raise MutationError("ops[%d]: %s" % (i, e)) from None
    try:
        sc.check_refs(new, "mutate")
    except sc.ScenarioError as e:
        raise MutationError(str(e)) from None
    new.serial = store.serial + 1
    return new


def _broker_op(store, op, name):
    cluster = store.cluster(op.get("cluster"))
    if cluster is None:
        raise MutationError("no cluster %r" % op.get("cluster"))
    brokers = cluster.setdefault("_sim", {}).setdefault("brokers", [])
    if name == "add_broker":
        b = op.get("broker")
        if not isinstance(b, dict):
            raise MutationError("'broker' must be an object")
        trial = {"_sim": {"brokers": brokers + [dict(b)]}}
        sc.check_brokers(trial, "broker")
        brokers.append(trial["_sim"]["brokers"][-1])
    else:
        keep = [b for b in brokers
                if b["host"] != op.get("host") and b["id"] != op.get("id")]
        if len(keep) == len(brokers):
            raise MutationError("cluster %s has no such broker"
                                % cluster["id"])
        brokers[:] = keep
    _touch(cluster)


# ---------------------------------------------------------------------------
# main

class ApiServer(SimHTTPServer):
    def __init__(self, address, state, ssl_context, access_log=None):
        self.state = state
        self.access_log = access_log
        super().__init__(address, ApiHandler, ssl_context)


def build_arg_parser():
    ap = argparse.ArgumentParser(
        description="Simulated Confluent Cloud control-plane API.")
    ap.add_argument("--scenario", action="append", required=True,
                    metavar="FILE", help="scenario file (repeatable; merged)")
    ap.add_argument("--listen", default="127.0.0.1:0", metavar="ADDR:PORT",
                    help="address to listen on (port 0: any free port)")
    ap.add_argument("--cert", required=True, help="server certificate (PEM)")
    ap.add_argument("--key", required=True, help="server private key (PEM)")
    ap.add_argument("--port-file", metavar="PATH",
                    help="write the bound port here once listening")
    ap.add_argument("--api-key", default="SIMCLOUDKEY",
                    help="Cloud API key id accepted (default %(default)s)")
    ap.add_argument("--api-secret", default="sim-cloud-secret",
                    help="its secret (default %(default)s)")
    ap.add_argument("--max-page-size", type=int,
                    default=DEFAULT_MAX_PAGE_SIZE, metavar="N",
                    help="cap every page at N items so that small scenarios "
                         "paginate (default %(default)s; 0: documented "
                         "sizes only)")
    ap.add_argument("--rate-limit", type=int, default=DEFAULT_RATE_LIMIT,
                    metavar="N", help="requests per window per key before "
                    "429 (default %(default)s; 0: never)")
    ap.add_argument("--rate-window", type=int, default=DEFAULT_RATE_WINDOW,
                    metavar="SECONDS", help="rate-limit window "
                    "(default %(default)s)")
    ap.add_argument("--access-log", metavar="PATH",
                    help="append one line per request here")
    return ap


def main(argv=None):
    args = build_arg_parser().parse_args(argv)
    try:
        state = ApiState(args.scenario, args.api_key, args.api_secret,
                         args.max_page_size, args.rate_limit,
                         args.rate_window)
    except sc.ScenarioError as e:
        print("ccloud_api: %s" % e, file=sys.stderr)
        return 2
    host, port = parse_listen(args.listen)
    ctx = make_server_context(args.cert, args.key)
    log = open(args.access_log, "a") if args.access_log else None
    server = ApiServer((host, port), state, ctx, log)
    return run_server(server, args.port_file,
                      "ccloud_api: listening on https://%s:%d"
                      % (host, server.server_address[1]))


if __name__ == "__main__":
    sys.exit(main())
