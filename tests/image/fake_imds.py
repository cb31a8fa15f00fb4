"""A fake instance metadata service answering like one cloud's, for the
bake test's first-boot checks (cclink-firstboot).

    fake_imds.py CLOUD ADDRESS PORT LOG [--zone Z] [--user-data FILE]
                 [--attribute NAME=VALUE]

  aws    IMDSv2: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-
         seconds gives a token (400 without the header); every GET needs
         X-aws-ec2-metadata-token with that token (401 otherwise);
         /latest/meta-data/placement/availability-zone-id, .../region,
         /latest/user-data (404 when none)
  azure  IMDS: every request needs "Metadata: true" (400 otherwise) and an
         api-version (400 otherwise); /metadata/instance/compute/LEAF with
         format=text for location, zone, userData (base64)
  gcp    /computeMetadata/v1/instance/zone ("projects/N/zones/Z") and
         .../attributes/NAME; every request needs "Metadata-Flavor: Google"
         (403 otherwise); answers carry "Metadata-Flavor: Google"

Each request is logged as one line "METHOD PATH STATUS" to LOG. Runs
until killed.
"""

import argparse
import base64
import http.server
import secrets
import sys
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cloud", choices=["aws", "azure", "gcp"])
    ap.add_argument("address")
    ap.add_argument("port", type=int)
    ap.add_argument("log")
    ap.add_argument("--zone", default="")
    ap.add_argument("--region", default="")
    ap.add_argument("--user-data", default=None)
    ap.add_argument("--attribute", action="append", default=[])
    args = ap.parse_args()

    user_data = None
    if args.user_data:
        with open(args.user_data, "rb") as f:
            user_data = f.read()
    attributes = dict(a.split("=", 1) for a in args.attribute)
    tokens = set()
    log = open(args.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def answer(self, status, body=b"", headers=()):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            log.write("%s %s %d\n" % (self.command, self.path, status))

        def do_PUT(self):
            self.route()

        def do_GET(self):
            self.route()

        def route(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            getattr(self, "cloud_" + args.cloud)(url.path, query)

        def cloud_aws(self, path, query):
            if self.command == "PUT" and path == "/latest/api/token":
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                if not ttl or not ttl.isdigit():
                    return self.answer(400, "missing or invalid ttl")
                token = secrets.token_urlsafe(24)
                tokens.add(token)
                return self.answer(200, token)
            if self.command != "GET":
                return self.answer(405)
            if self.headers.get("X-aws-ec2-metadata-token") not in tokens:
                return self.answer(401, "Unauthorized")
            if path == "/latest/meta-data/placement/availability-zone-id":
                return self.answer(200, args.zone)
            if path == "/latest/meta-data/placement/region":
                return self.answer(200, args.region)
            if path == "/latest/user-data" and user_data is not None:
                return self.answer(200, user_data)
            return self.answer(404, "Not Found")

        def cloud_azure(self, path, query):
            if self.headers.get("Metadata") != "true":
                return self.answer(400, '{"error": "Bad request. Required '
                                   'metadata header not specified"}')
            if "api-version" not in query:
                return self.answer(400, '{"error": "Bad request. '
                                   'api-version was not specified"}')
            prefix = "/metadata/instance/compute/"
            if self.command != "GET" or not path.startswith(prefix):
                return self.answer(404)
            if query.get("format") != ["text"]:
                return self.answer(400, '{"error": "use format=text"}')
            leaf = path[len(prefix):]
            if leaf == "location":
                return self.answer(200, args.region)
            if leaf == "zone":
                return self.answer(200, args.zone)
            if leaf == "userData":
                return self.answer(200, base64.b64encode(user_data or b""))
            return self.answer(404)

        def cloud_gcp(self, path, query):
            flavor = (("Metadata-Flavor", "Google"),)
            if self.headers.get("Metadata-Flavor") != "Google":
                return self.answer(403, "Missing Metadata-Flavor:Google "
                                   "header.", flavor)
            prefix = "/computeMetadata/v1/instance/"
            if self.command != "GET" or not path.startswith(prefix):
                return self.answer(404, "", flavor)
            leaf = path[len(prefix):]
            if leaf == "zone":
                return self.answer(200, "projects/123456789012/zones/%s"
                                   % args.zone, flavor)
            if leaf.startswith("attributes/"):
                name = leaf[len("attributes/"):]
                if name in attributes:
                    return self.answer(200, attributes[name], flavor)
            return self.answer(404, "", flavor)

    server = http.server.ThreadingHTTPServer((args.address, args.port),
                                             Handler)
    print("listening", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
