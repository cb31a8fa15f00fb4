#!/usr/bin/python3
"""cclink demo: nginx with ngx_cclink_module routing TLS by SNI to local
TLS backends that stand in for a private Confluent Cloud endpoint.

    make demo            # runs until Ctrl-C
    make demo-check      # runs the check and stops

Everything listens on 127.77.0.1 (a loopback address: nothing leaves the
machine). The backends' certificates come from a test CA made in
build/demo/ca.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from lib.backends import TLSBackend  # noqa: E402
from lib.nginx import Nginx, free_port, wait_for  # noqa: E402
from lib.pki import TestCA  # noqa: E402
from lib.tlsclient import refused, s_client  # noqa: E402

ADDR = "127.77.0.1"
REST = "lkc-demo1-l63jl.us-west-2.aws.glb.confluent.cloud"
BROKER = "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="run the check, then stop")
    ap.add_argument("--dir", default=os.path.join(HERE, "..", "build",
                                                  "demo"))
    args = ap.parse_args()

    work = os.path.abspath(args.dir)
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    ca = TestCA(os.path.join(work, "ca"))
    cert, key = ca.issue("endpoint", [REST, "*.us-west-2.aws.glb"
                                      ".confluent.cloud"])

    rest = TLSBackend("rest-endpoint", cert, key)
    brokers = TLSBackend("broker-endpoint", cert, key)

    routes = os.path.join(work, "routes.conf")
    with open(routes + ".tmp", "w") as f:
        f.write("cclink-routes 1\nserial 1\n"
                "generated %s\n" % time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                 time.gmtime()) +
                "group rest 127.0.0.1:%d zone=usw2-az1\n" % rest.port +
                "group brokers 127.0.0.1:%d zone=usw2-az1\n" % brokers.port +
                "route %s rest\n" % REST +
                "route ~^e-[0-9a-f]+-usw2-az[0-9]-l63jl\\.us-west-2\\.aws"
                "\\.glb\\.confluent\\.cloud$ brokers\n"
                "end\n")
    os.rename(routes + ".tmp", routes)

    status_port = 8080 if not _busy(ADDR, 8080) else free_port(ADDR)
    ngx = Nginx(os.path.join(work, "nginx"), workers=2, stream="""
    cclink_routes %s zone=cclink:16m;
    cclink_host_zone usw2-az1;
    log_format cclink '$remote_addr sni=$cclink_sni route=$cclink_route '
                      'refusal=$cclink_refusal status=$status '
                      'upstream=$upstream_addr';
    access_log {prefix}/logs/access.log cclink;
    upstream cclink_endpoints { cclink_balancer; }
    server {
        listen %s:9092;
        listen %s:443;
        cclink_route on;
        proxy_pass cclink_endpoints;
    }
""" % (routes, ADDR, ADDR), http="""
    server {
        listen %s:%d;
        location = /cclink/status { cclink_status; }
    }
""" % (ADDR, status_port))
    ngx.start(wait_ports=[(ADDR, 9092), (ADDR, status_port)])

    ok = True
    try:
        print("cclink demo: nginx with the module on %s:9092 and %s:443"
              % (ADDR, ADDR))
        for name, port in ((REST, 443), (BROKER, 9092)):
            rc, out = s_client(port, name, ca.cert, host=ADDR)
            good = rc == 0 and "backend=" in out
            ok &= good
            answer = [l for l in out.splitlines() if "backend=" in l]
            print("  %-62s -> %s" % (name + ":%d" % port,
                                     answer[0] if good else "FAILED"))
        good = refused(9092, "metadata.google.internal", host=ADDR)
        ok &= good
        print("  %-62s -> %s" % ("metadata.google.internal:9092",
                                 "refused" if good else "NOT REFUSED"))
        print("\nstatus page: http://%s:%d/cclink/status (?format=html, "
              "?format=prometheus)" % (ADDR, status_port))
        print("try it:\n  openssl s_client -connect %s:443 -servername %s "
              "-CAfile %s -quiet <<< 'GET / HTTP/1.0'\n"
              "  curl --cacert %s --connect-to %s:443:%s:443 https://%s/"
              % (ADDR, REST, ca.cert, ca.cert, REST, ADDR, REST))
        print("route table: %s (edit it: changes apply within a second)"
              % routes)
        if args.check:
            print("\ndemo check: %s" % ("ok" if ok else "FAILED"))
            return 0 if ok else 1
        print("\nrunning; Ctrl-C stops")
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return 0
    finally:
        ngx.stop(check=False)
        rest.close()
        brokers.close()


def _busy(host, port):
    import socket
    with socket.socket() as s:
        try:
            s.bind((host, port))
            return False
        except OSError:
            return True


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(main())
