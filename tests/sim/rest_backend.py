#!/usr/bin/env python3
"""Simulated Kafka REST v3 (the Console path to a private cluster).

Plain HTTP: it sits behind the simulated private endpoint, which terminates
TLS (endpoint.py). It speaks the Confluent Cloud Kafka REST v3 shapes for

    GET  /kafka/v3/clusters/{id}
    GET  /kafka/v3/clusters/{id}/topics            POST (create)
    GET  /kafka/v3/clusters/{id}/topics/{name}     DELETE
    GET  /kafka/v3/clusters/{id}/links             POST ?link_name= (create)
    GET  /kafka/v3/clusters/{id}/links/{name}      DELETE
    GET  /kafka/v3/clusters/{id}/links/{name}/mirrors   POST (create mirror)
    GET  /kafka/v3/clusters/{id}/links/-/mirrors

with HTTP Basic auth by cluster API key (401 {"error_code":40101,...}
otherwise) and the CORS answers a browser running the Confluent Cloud
Console needs: preflight OPTIONS, Access-Control-Allow-Origin/-Headers/
-Methods/-Credentials, and Chrome's private-network preflight header.
Links in responses are built from the request's Host, as the real service
builds them from its own name. Admin calls under /_sim/ (loopback only):
requests, faults (status, slow, close, truncate, malformed).

    rest_backend.py --cluster lkc-abc12[:KEY:SECRET] [--cluster ...]
                    [--listen 127.0.0.1:0] [--port-file PATH]
                    [--api-key KEY --api-secret SECRET]
                    [--allow-origin https://confluent.cloud ...]
                    [--topic lkc-abc12:orders ...]
"""

import argparse
import base64
import binascii
import json
import os
import re
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, quote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simcore import (BODY_KINDS, EARLY_KINDS, FAULT_KINDS, FaultBook,  # noqa
                     FaultError, RequestLog, SimHandler, SimHTTPServer,
                     is_loopback, json_bytes, parse_listen, run_server)

REST_FAULT_KINDS = {k: v for k, v in FAULT_KINDS.items()
                    if k in ("status", "slow", "close", "truncate",
                             "malformed")}
DEFAULT_ORIGINS = ("https://confluent.cloud",)
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
DEFAULT_ALLOW_HEADERS = "Authorization, Content-Type, Accept"
TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
DEFAULT_PARTITIONS = 6
DEFAULT_REPLICATION = 3

# The Jetty DoSFilter page the spec shows for a Kafka REST 429.
_JETTY_429 = (
    '<html> <head> <meta http-equiv="Content-Type" content="text/html;'
    'charset=utf-8"/> <title>Error 429 Too Many Requests</title> </head> '
    '<body> <h2>HTTP ERROR 429 Too Many Requests</h2> <table> <tr> <th>URI:'
    '</th> <td>%s</td> </tr> <tr> <th>STATUS:</th> <td>429</td> </tr> <tr> '
    '<th>MESSAGE:</th> <td>Too Many Requests</td> </tr> <tr> <th>SERVLET:'
    '</th> <td>default</td> </tr> </table> </body> </html>')


class RestError(Exception):
    """Kafka REST error body: {"error_code": int, "message": str}."""

    def __init__(self, status, error_code, message):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


def _cluster_link_id():
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class RestState:
    def __init__(self, clusters, allow_origins):
        # clusters: {cluster_id: (key, secret)}
        self.lock = threading.Lock()
        self.clusters = {}
        for cid, (key, secret) in clusters.items():
            self.clusters[cid] = {"key": key, "secret": secret,
                                  "topics": {}, "links": {}}
        self.allow_origins = set(allow_origins)
        self.faults = FaultBook(REST_FAULT_KINDS)
        self.log = RequestLog()

    def origin_allowed(self, origin):
        return bool(origin) and ("*" in self.allow_origins
                                 or origin in self.allow_origins)

    def add_topic(self, cid, name, partitions=DEFAULT_PARTITIONS,
                  replication=DEFAULT_REPLICATION, configs=None):
        self.clusters[cid]["topics"][name] = {
            "partitions_count": partitions,
            "replication_factor": replication,
            "configs": dict(configs or {}),
        }


class RestHandler(SimHandler):
    server_version = "cclink-sim-kafka-rest"

    # -- plumbing --------------------------------------------------------

    def base_url(self):
        host = self.headers.get("Host") or "%s:%d" % \
            self.server.server_address[:2]
        return "https://" + host

    def cors_headers(self):
        origin = self.headers.get("Origin")
        if not self.state.origin_allowed(origin):
            return []
        return [("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Expose-Headers", "Content-Type, Date"),
                ("Vary", "Origin")]

    def reply(self, status, obj=None, headers=()):
        h = self.cors_headers() + list(headers)
        if obj is None:
            self.send_raw(status, b"", h)
        else:
            self.send_raw(status, json_bytes(obj), h, "application/json")
        return status

    def reply_error(self, err):
        return self.reply(err.status, {"error_code": err.error_code,
                                       "message": err.message})

    def dispatch(self):
        url = urlsplit(self.path)
        self.url_path = url.path
        self.params = parse_qs(url.query, keep_blank_values=True)
        self.query1 = {k: v[0] for k, v in self.params.items()}
        if self.url_path.startswith("/_sim/"):
            self.handle_admin()
            return
        status = 0
        self.log_entry = {
            "time": time.time(), "method": self.command,
            "path": self.url_path, "query": dict(self.query1),
            "host": self.headers.get("Host"),
            "origin": self.headers.get("Origin"),
            "status": None, "key": None, "duration": None}
        self.begin_log(self.state.log, self.log_entry)
        try:
            status = self.handle_request()
        except (ConnectionError, OSError):
            status = status or 499
            self.close_connection = True
        finally:
            self.commit_log(status)     # when nothing was answered

    def handle_request(self):
        method, path, q = self.command, self.url_path, self.query1
        try:
            body = self.read_body()
        except ValueError as e:
            return self.reply_error(RestError(400, 400, str(e)))
        if method == "OPTIONS":
            return self.preflight()
        delays = self.state.faults.take(("slow",), method, path, q,
                                        first_only=False)
        if delays:
            time.sleep(sum(f["delay"] for f in delays))
        early = self.state.faults.take(EARLY_KINDS, method, path, q)
        if early:
            return self.answer_fault(early[0])
        try:
            status, obj = self.route(body)
        except RestError as e:
            return self.reply_error(e)
        late = self.state.faults.take(BODY_KINDS, method, path, q)
        if late and obj is not None:
            data = json_bytes(obj)
            h = self.cors_headers()
            if late[0]["kind"] == "truncate":
                self.send_truncated(status, data, h, "application/json")
            else:
                bad = late[0].get("body") or \
                    data[:len(data) // 2].decode() + "<!-- -->"
                self.send_raw(status, bad.encode(), h, "application/json")
            return status
        return self.reply(status, obj)

    def answer_fault(self, fault):
        if fault["kind"] == "close":
            self.abort_connection()
            return 0
        if fault["kind"] == "redirect":
            return self.reply(fault["status"], None,
                              [("Location", fault.get("location") or
                                self.base_url() + self.path)])
        status = fault["status"]
        if "body" in fault:
            b = fault["body"]
            if isinstance(b, str):
                self.send_raw(status, b.encode(), self.cors_headers(),
                              fault.get("content_type", "text/plain"))
                return status
            return self.reply(status, b)
        if status == 429:
            # Kafka REST answers 429 from Jetty's DoSFilter: HTML, and
            # without the X-RateLimit-* headers of the control plane.
            page = (_JETTY_429 % self.url_path).encode()
            self.send_raw(429, page, self.cors_headers(),
                          "text/html;charset=utf-8")
            return 429
        codes = {401: (40101, "Authentication failed"),
                 403: (40301, "Request is not authorized"),
                 404: (404, "HTTP 404 Not Found"),
                 503: (50003, "Service unavailable, try again later")}
        code, msg = codes.get(status, (status, "Internal Server Error"
                                       if status == 500 else "Error"))
        return self.reply_error(RestError(status, code, msg))

    def preflight(self):
        origin = self.headers.get("Origin")
        if not self.state.origin_allowed(origin):
            # What a CORS filter does with a foreign origin: answer, but
            # without any Access-Control-* header, so the browser refuses.
            return self.reply(204, None, [("Vary", "Origin")])
        want = self.headers.get("Access-Control-Request-Headers")
        h = [("Access-Control-Allow-Origin", origin),
             ("Access-Control-Allow-Credentials", "true"),
             ("Access-Control-Allow-Methods", ALLOW_METHODS),
             ("Access-Control-Allow-Headers", want or DEFAULT_ALLOW_HEADERS),
             ("Access-Control-Max-Age", "600"),
             ("Vary", "Origin, Access-Control-Request-Method, "
                      "Access-Control-Request-Headers")]
        if (self.headers.get("Access-Control-Request-Private-Network", "")
                .lower() == "true"):
            h.append(("Access-Control-Allow-Private-Network", "true"))
        self.send_raw(204, b"", h)
        return 204

    def authenticate(self, cid):
        """Checks Basic auth against the cluster's API key."""
        auth = self.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        key = secret = None
        if scheme.lower() == "basic":
            try:
                key, _, secret = base64.b64decode(
                    value.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                key = secret = None
        with self.state.lock:
            cluster = self.state.clusters.get(cid)
            if cluster is not None:
                ok = key == cluster["key"] and secret == cluster["secret"]
            else:
                ok = any(key == c["key"] and secret == c["secret"]
                         for c in self.state.clusters.values())
        if not ok:
            raise RestError(401, 40101, "Authentication failed")
        self.log_entry["key"] = key
        if cluster is None:
            raise RestError(404, 404, "Cluster %s not found" % cid)
        return cluster

    # -- Kafka REST v3 --------------------------------------------------

    def route(self, body):
        parts = [p for p in self.url_path.split("/") if p]
        if parts[:3] != ["kafka", "v3", "clusters"] or len(parts) < 4:
            raise RestError(404, 404, "HTTP 404 Not Found")
        cid = parts[3]
        cluster = self.authenticate(cid)
        rest = parts[4:]
        m = self.command
        payload = None
        if body:
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise RestError(400, 400, "Unexpected character in request "
                                "body: not valid JSON") from None
        with self.state.lock:
            if not rest and m in ("GET", "HEAD"):
                return 200, self.cluster_data(cid)
            if rest == ["topics"]:
                if m in ("GET", "HEAD"):
                    return 200, self.topic_list(cid, cluster)
                if m == "POST":
                    return self.create_topic(cid, cluster, payload)
            if len(rest) == 2 and rest[0] == "topics":
                return self.one_topic(cid, cluster, rest[1])
            if rest == ["links"]:
                if m in ("GET", "HEAD"):
                    return 200, self.link_list(cid, cluster)
                if m == "POST":
                    return self.create_link(cluster, payload)
            if len(rest) == 3 and rest[0] == "links" and \
                    rest[2] == "mirrors":
                if rest[1] == "-" and m in ("GET", "HEAD"):
                    return 200, self.mirror_list(cid, cluster, None)
                if m in ("GET", "HEAD"):
                    return 200, self.mirror_list(cid, cluster,
                                                 self.link(cluster, rest[1]))
                if m == "POST":
                    return self.create_mirror(cluster, rest[1], payload)
            if len(rest) == 2 and rest[0] == "links":
                if m in ("GET", "HEAD"):
                    return 200, self.link_data(cid, self.link(cluster,
                                                              rest[1]))
                if m == "DELETE":
                    self.link(cluster, rest[1])
                    del cluster["links"][rest[1]]
                    return 200, None
        known = (rest in ([], ["topics"], ["links"])
                 or (len(rest) == 2 and rest[0] in ("topics", "links"))
                 or (len(rest) == 3 and rest[0] == "links"
                     and rest[2] == "mirrors"))
        if known:
            raise RestError(405, 405, "HTTP 405 Method Not Allowed")
        raise RestError(404, 404, "HTTP 404 Not Found")

    def url(self, *parts):
        return self.base_url() + "/kafka/v3/clusters/" + "/".join(
            quote(p, safe="-") for p in parts)

    def cluster_data(self, cid):
        rel = lambda *p: {"related": self.url(cid, *p)}  # noqa: E731
        return {"kind": "KafkaCluster",
                "metadata": {"self": self.url(cid),
                             "resource_name": "crn:///kafka=%s" % cid},
                "cluster_id": cid,
                "controller": rel("brokers", "0"),
                "acls": rel("acls"),
                "brokers": rel("brokers"),
                "broker_configs": rel("broker-configs"),
                "consumer_groups": rel("consumer-groups"),
                "topics": rel("topics"),
                "partition_reassignments": rel("topics", "-", "partitions",
                                               "-", "reassignment")}

    def topic_data(self, cid, name, t):
        return {"kind": "KafkaTopic",
                "metadata": {"self": self.url(cid, "topics", name),
                             "resource_name": "crn:///kafka=%s/topic=%s"
                                              % (cid, name)},
                "cluster_id": cid, "topic_name": name,
                "is_internal": name.startswith("_"),
                "replication_factor": t["replication_factor"],
                "partitions_count": t["partitions_count"],
                "partitions": {"related": self.url(cid, "topics", name,
                                                   "partitions")},
                "configs": {"related": self.url(cid, "topics", name,
                                                "configs")},
                "partition_reassignments": {
                    "related": self.url(cid, "topics", name, "partitions",
                                        "-", "reassignment")}}

    def topic_list(self, cid, cluster):
        return {"kind": "KafkaTopicList",
                "metadata": {"self": self.url(cid, "topics"), "next": None},
                "data": [self.topic_data(cid, n, t) for n, t in
                         sorted(cluster["topics"].items())]}

    def create_topic(self, cid, cluster, payload):
        if not isinstance(payload, dict):
            raise RestError(400, 400, "Request body is required")
        name = payload.get("topic_name")
        if not isinstance(name, str) or not TOPIC_NAME.match(name) \
                or name in (".", ".."):
            raise RestError(400, 40002, "Topic name %r is illegal" % (name,))
        if name in cluster["topics"]:
            raise RestError(400, 40002, "Topic '%s' already exists." % name)
        partitions = payload.get("partitions_count", DEFAULT_PARTITIONS)
        replication = payload.get("replication_factor", DEFAULT_REPLICATION)
        if not isinstance(partitions, int) or partitions < 1:
            raise RestError(400, 40002, "Number of partitions must be "
                            "larger than 0.")
        if replication not in (3,):
            raise RestError(400, 40002, "Replication factor: %s larger than "
                            "available brokers or not allowed."
                            % replication)
        configs = {}
        for c in payload.get("configs") or []:
            if not isinstance(c, dict) or "name" not in c:
                raise RestError(400, 400, "Each config needs a 'name'")
            configs[c["name"]] = c.get("value")
        t = {"partitions_count": partitions,
             "replication_factor": replication, "configs": configs}
        if payload.get("validate_only"):
            return 200, self.topic_data(cid, name, t)
        cluster["topics"][name] = t
        return 201, self.topic_data(cid, name, t)

    def one_topic(self, cid, cluster, name):
        t = cluster["topics"].get(name)
        if t is None:
            raise RestError(404, 40403, "This server does not host this "
                            "topic-partition.")
        if self.command in ("GET", "HEAD"):
            return 200, self.topic_data(cid, name, t)
        if self.command == "DELETE":
            del cluster["topics"][name]
            return 204, None
        raise RestError(405, 405, "HTTP 405 Method Not Allowed")

    def link(self, cluster, name):
        link = cluster["links"].get(name)
        if link is None:
            raise RestError(404, 404, "Cluster link '%s' does not exist."
                            % name)
        return link

    def link_data(self, cid, link):
        d = {"kind": "KafkaLinkData",
             "metadata": {"self": self.url(cid, "links", link["link_name"]),
                          "resource_name": None}}
        for side in ("source_cluster_id", "destination_cluster_id",
                     "remote_cluster_id"):
            if link.get(side):
                d[side] = link[side]
        d.update({"link_name": link["link_name"], "link_id": link["link_id"],
                  "cluster_link_id": link["cluster_link_id"],
                  "topic_names": sorted(link["mirrors"]),
                  "link_state": "ACTIVE", "link_error": "NO_ERROR",
                  "link_error_message": None})
        return d

    def link_list(self, cid, cluster):
        return {"kind": "KafkaLinkDataList",
                "metadata": {"self": self.url(cid, "links"), "next": None},
                "data": [self.link_data(cid, link) for _, link in
                         sorted(cluster["links"].items())]}

    def create_link(self, cluster, payload):
        name = self.query1.get("link_name")
        if not name:
            raise RestError(400, 400, "Query parameter 'link_name' is "
                            "required")
        if not re.match(r"^[A-Za-z0-9._-]{1,249}$", name):
            raise RestError(400, 40002, "Cluster link name %r is invalid"
                            % name)
        if name in cluster["links"]:
            raise RestError(400, 40002, "Cluster link '%s' already exists."
                            % name)
        payload = payload if isinstance(payload, dict) else {}
        sides = {k: payload.get(k) for k in ("source_cluster_id",
                                             "destination_cluster_id",
                                             "remote_cluster_id")
                 if payload.get(k)}
        if not sides:
            raise RestError(400, 400, "One of source_cluster_id, "
                            "destination_cluster_id or remote_cluster_id is "
                            "required")
        for c in payload.get("configs") or []:
            if not isinstance(c, dict) or "name" not in c or "value" not in c:
                raise RestError(400, 400, "Each config needs 'name' and "
                                "'value'")
        if self.query1.get("validate_only", "").lower() == "true":
            return 204, None
        cluster["links"][name] = dict(
            sides, link_name=name, link_id=str(uuid.uuid4()),
            cluster_link_id=payload.get("cluster_link_id")
            or _cluster_link_id(),
            configs={c["name"]: c["value"]
                     for c in payload.get("configs") or []},
            mirrors={})
        return 204, None

    def mirror_data(self, cid, link, name, m):
        return {"kind": "KafkaMirrorData",
                "metadata": {"self": self.url(cid, "links",
                                              link["link_name"], "mirrors",
                                              name),
                             "resource_name": "crn:///kafka=%s" % cid},
                "link_name": link["link_name"], "mirror_topic_name": name,
                "source_topic_name": m["source_topic_name"],
                "num_partitions": m["num_partitions"],
                "mirror_lags": [{"partition": p, "lag": 0,
                                 "last_source_fetch_offset": 0}
                                for p in range(m["num_partitions"])],
                "mirror_status": "ACTIVE",
                "state_time_ms": m["state_time_ms"]}

    def mirror_list(self, cid, cluster, only_link):
        links = [only_link] if only_link else \
            [lk for _, lk in sorted(cluster["links"].items())]
        want = self.query1.get("mirror_status")
        data = []
        for link in links:
            for name, m in sorted(link["mirrors"].items()):
                if want and want != "ACTIVE":
                    continue
                data.append(self.mirror_data(cid, link, name, m))
        self_url = self.url(cid, "links", only_link["link_name"]
                            if only_link else "-", "mirrors")
        return {"kind": "KafkaMirrorDataList",
                "metadata": {"self": self_url, "next": None}, "data": data}

    def create_mirror(self, cluster, link_name, payload):
        link = self.link(cluster, link_name)
        if not isinstance(payload, dict) or \
                not isinstance(payload.get("source_topic_name"), str):
            raise RestError(400, 400, "'source_topic_name' is required")
        source = payload["source_topic_name"]
        name = payload.get("mirror_topic_name") or source
        if not TOPIC_NAME.match(name):
            raise RestError(400, 40002, "Topic name %r is illegal" % name)
        if name in cluster["topics"]:
            raise RestError(400, 40002, "Topic '%s' already exists." % name)
        replication = payload.get("replication_factor", DEFAULT_REPLICATION)
        link["mirrors"][name] = {"source_topic_name": source,
                                 "num_partitions": DEFAULT_PARTITIONS,
                                 "state_time_ms": int(time.time() * 1000)}
        cluster["topics"][name] = {"partitions_count": DEFAULT_PARTITIONS,
                                   "replication_factor": replication,
                                   "configs": {}}
        return 204, None

    # -- admin --------------------------------------------------------------

    def handle_admin(self):
        def out(status, obj):
            self.send_raw(status, json_bytes(obj), (), "application/json")

        if not is_loopback(self.client_address[0]):
            return out(403, {"error": "loopback clients only"})
        try:
            body = self.read_body()
            payload = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError) as e:
            return out(400, {"error": "bad JSON body: %s" % e})
        name = self.url_path[len("/_sim/"):].strip("/")
        m = self.command
        try:
            if name == "health" and m == "GET":
                return out(200, {"ok": True})
            if name == "requests" and m == "GET":
                since = int(self.query1.get("since", "0"))
                return out(200, {"requests": self.state.log.entries(
                    since, self.query1.get("path"))})
            if name == "requests" and m == "DELETE":
                return out(200, {"removed": self.state.log.clear()})
            if name == "faults" and m == "GET":
                return out(200, {"faults": self.state.faults.list()})
            if name == "faults" and m == "POST":
                specs = payload if isinstance(payload, list) else [payload]
                probe = FaultBook(REST_FAULT_KINDS)
                for s in specs:
                    probe.add(s)
                return out(201, {"faults": [self.state.faults.add(s)
                                            for s in specs]})
            if name == "faults" and m == "DELETE":
                return out(200, {"removed": self.state.faults.clear()})
            if name == "state" and m == "GET":
                with self.state.lock:
                    snap = {cid: {"topics": sorted(c["topics"]),
                                  "links": {n: sorted(lk["mirrors"])
                                            for n, lk in c["links"].items()}}
                            for cid, c in self.state.clusters.items()}
                return out(200, {"clusters": snap})
        except (FaultError, ValueError) as e:
            return out(400, {"error": str(e)})
        return out(404, {"error": "no admin call %s %s" % (m, self.url_path)})


class RestServer(SimHTTPServer):
    def __init__(self, address, state, access_log=None):
        self.state = state
        self.access_log = access_log
        super().__init__(address, RestHandler, None)


def parse_cluster_arg(value, key, secret):
    """'lkc-x' or 'lkc-x:KEY:SECRET' -> (id, (key, secret))."""
    parts = value.split(":", 2)
    if len(parts) == 3:
        return parts[0], (parts[1], parts[2])
    if len(parts) == 1 and parts[0]:
        return parts[0], (key, secret)
    raise ValueError("--cluster wants ID or ID:KEY:SECRET, not %r" % value)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Simulated Kafka REST v3.")
    ap.add_argument("--cluster", action="append", required=True,
                    metavar="ID[:KEY:SECRET]",
                    help="a cluster served, with its API key (repeatable)")
    ap.add_argument("--api-key", default="SIMKAFKAKEY",
                    help="key for clusters given without one "
                         "(default %(default)s)")
    ap.add_argument("--api-secret", default="sim-kafka-secret",
                    help="its secret (default %(default)s)")
    ap.add_argument("--listen", default="127.0.0.1:0", metavar="ADDR:PORT")
    ap.add_argument("--port-file", metavar="PATH")
    ap.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                    help="CORS origin allowed (repeatable; '*' for any; "
                         "default https://confluent.cloud)")
    ap.add_argument("--topic", action="append", default=[],
                    metavar="CLUSTER:NAME", help="a topic that exists at "
                    "start (repeatable)")
    ap.add_argument("--access-log", metavar="PATH")
    args = ap.parse_args(argv)
    try:
        clusters = dict(parse_cluster_arg(c, args.api_key, args.api_secret)
                        for c in args.cluster)
    except ValueError as e:
        ap.error(str(e))
    state = RestState(clusters, args.allow_origin or DEFAULT_ORIGINS)
    for t in args.topic:
        cid, _, name = t.partition(":")
        if cid not in state.clusters or not TOPIC_NAME.match(name):
            ap.error("--topic %r: unknown cluster or bad name" % t)
        state.add_topic(cid, name)
    host, port = parse_listen(args.listen)
    log = open(args.access_log, "a") if args.access_log else None
    server = RestServer((host, port), state, log)
    return run_server(server, args.port_file,
                      "rest_backend: listening on http://%s:%d"
                      % (host, server.server_address[1]))


if __name__ == "__main__":
    sys.exit(main())
