#!/usr/bin/python3
"""The Confluent Cloud API simulator for the bake test, on 127.0.0.1.

    sim_api.py DIR BASE_CONFIG

Starts tests/sim/ccloud_api.py with the aws-dedicated scenario, then
writes, in DIR:
    api.env       CCLINK_SIM_URL, CCLINK_SIM_KEY, CCLINK_SIM_SECRET
    ca.pem        the CA that signed the simulator's certificate
    sidecar.conf  BASE_CONFIG (the image's installed configuration) with
                  the simulator's URL and CA, fixed targets for its
                  networks, this host's zone and a proxy address
and serves until SIGTERM. A chroot shares the host's network, so the
sidecar inside the image reaches the simulator on loopback.
"""

import os
import shutil
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)

from sim.harness import SimCA, start_api  # noqa: E402
from lib.sidecar import DEFAULT_TARGETS  # noqa: E402

# The path the files get inside the image; the bake test copies DIR there.
IMAGE_DIR = "/tmp/cclink-bake"


def sidecar_config(base, url):
    """The installed configuration, with the options below replaced (or
    appended) and the targets added."""
    options = {
        "api_url": url,
        "ca_file": IMAGE_DIR + "/ca.pem",
        "environments": "all",
        "zone": "usw2-az1",
        "proxy_address": "203.0.113.10",
        "proxy_name": "bake-test",
        "target_dns": "off",
        "http_retries": "2",
        "retry_backoff": "100ms 1s",
    }
    out = []
    with open(base) as f:
        for line in f:
            words = line.split()
            if words and words[0] in options:
                name = words[0]
                out.append("%-25s %s\n" % (name, options.pop(name)))
            else:
                out.append(line)
    out.append("\n# bake test\n")
    for name, value in options.items():
        out.append("%-25s %s\n" % (name, value))
    for key, addr, zone in DEFAULT_TARGETS:
        out.append("target %s %s%s\n"
                   % (key, addr, " zone=" + zone if zone else ""))
    return "".join(out)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 64
    workdir, base = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)

    ca = SimCA(os.path.join(workdir, "ca"))
    api = start_api(os.path.join(workdir, "api"), ca=ca,
                    scenario="aws-dedicated.json")

    shutil.copy(api.ca_file, os.path.join(workdir, "ca.pem"))
    with open(os.path.join(workdir, "sidecar.conf"), "w") as f:
        f.write(sidecar_config(base, api.url))
    tmp = os.path.join(workdir, "api.env.tmp")
    with open(tmp, "w") as f:
        f.write("CCLINK_SIM_URL=%s\nCCLINK_SIM_KEY=%s\n"
                "CCLINK_SIM_SECRET=%s\n"
                % (api.url, api.api_key, api.api_secret))
    os.rename(tmp, os.path.join(workdir, "api.env"))

    def stop(signum, frame):
        api.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
