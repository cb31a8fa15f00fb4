"""The simulated private endpoint of one cluster, run inside the fleet
tests' "cloud" network namespace:

    ip netns exec NS python3 cloud_site.py WORKDIR CLUSTER BASE TOPIC...

starts the simulator's API (for the scenario's names), the cluster's mock
brokers and its per-zone endpoint on BASE.z.1 (BASE "10.77" gives
10.77.1.1, 10.77.2.1, ...: addresses the namespace must hold), prints one
JSON line (bootstrap name, brokers with their zones, zone addresses, the
CA file) and serves until its standard input closes."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "e2e"))

from sim import harness  # noqa: E402
from sim.kafka import mock as kafka_mock  # noqa: E402
from stack import Cloud, Site  # noqa: E402


def start_site(cloud, cluster, topics, base):
    """stack.Site, its endpoint on BASE.z.1 instead of loopback."""
    site = Site(cloud, cluster, topics, "auto")
    cloud.sites[cluster] = site
    site.mock = kafka_mock.start_mock(
        site.dir, brokers={b["id"] + 1: "%s:9092" % b["host"]
                           for b in site.brokers},
        topics=site.topics)
    zones = {z: "%s.%d.1" % (base, i + 1)
             for i, z in enumerate(site.zone_labels)}

    # the endpoint insists on loopback addresses, which keep tests in the
    # machine's own namespace off its networks; this namespace has none
    loopback = {z: "127.0.%d.1" % (i + 1)
                for i, z in enumerate(site.zone_labels)}
    site.endpoint = harness.PrivateEndpoint(
        os.path.join(site.dir, "endpoint"), cloud.ca, zones=loopback,
        kafka_routes=site._kafka_routes(), https_routes={},
        name="endpoint-" + cluster)
    site.endpoint.zones = zones
    site.endpoint.start(15.0)
    return site


def main():
    workdir, cluster, base = sys.argv[1:4]
    topics = sys.argv[4:]
    cloud = Cloud(workdir, scenarios=("aws-dedicated.json",),
                  rest_clusters=())
    try:
        cloud.start()
        site = start_site(cloud, cluster, topics, base)
        info = {
            "bootstrap": site.bootstrap,
            "brokers": [{"host": b["host"], "zone": b["zone"]}
                        for b in site.brokers],
            "zones": site.zones,
            "ca": cloud.ca.cert,
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        sys.stdin.read()
    finally:
        errors = cloud.stop()
        if errors:
            sys.stderr.write("cloud_site: %s\n" % "; ".join(errors))


if __name__ == "__main__":
    main()
