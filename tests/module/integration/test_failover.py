"""Zone-aware endpoint choice: this host's zone first, the others on
connect failure, a clear error when every address fails."""

import re

import pytest

from lib.nginx import free_port, wait_for
from lib.tlsclient import refused, which_backend

ROUTES = """cclink-routes 1
serial 1
group ep 127.0.1.1:{p} zone=az1
group ep 127.0.2.1:{p} zone=az2
group ep 127.0.3.1:{p} zone=az3
route svc.zone.example.test ep
end
"""

NAME = "svc.zone.example.test"


@pytest.fixture
def zones(backends):
    p = free_port()
    bs = {z: backends(z, host="127.0.%d.1" % i, port=p)
          for i, z in ((1, "az1"), (2, "az2"), (3, "az3"))}
    return bs, p


def test_same_zone_first(make_proxy, zones, ca):
    bs, p = zones
    proxy = make_proxy(ROUTES.format(p=p), host_zone="az2").start()
    got = {which_backend(proxy.kafka_port, NAME, ca.cert) for _ in range(12)}
    assert got == {"az2"}
    log = proxy.nginx.access_log()
    assert "zone=az2" in log and "zone=az1" not in log


def test_without_host_zone_connections_spread(make_proxy, zones, ca):
    bs, p = zones
    proxy = make_proxy(ROUTES.format(p=p), workers=1).start()
    got = [which_backend(proxy.kafka_port, NAME, ca.cert) for _ in range(12)]
    assert set(got) == {"az1", "az2", "az3"}


def test_failover_to_other_zone_and_back(make_proxy, zones, ca):
    bs, p = zones
    proxy = make_proxy(ROUTES.format(p=p), host_zone="az2",
                       balancer="cclink_balancer fail_timeout=1s;").start()
    assert which_backend(proxy.kafka_port, NAME, ca.cert) == "az2"

    bs["az2"].close()
    got = {which_backend(proxy.kafka_port, NAME, ca.cert) for _ in range(6)}
    assert got <= {"az1", "az3"} and got

    st = proxy.status()
    az2 = [a for a in st["addresses"] if a["address"] == "127.0.2.1:%d" % p]
    assert az2 and az2[0]["failures"] >= 1 and az2[0]["zone"] == "az2"
    err = proxy.nginx.error_log()
    assert re.search(r"connect\(\) failed \(111: Connection refused\) while "
                     r"connecting to upstream.*upstream: \"127\.0\.2\.1:%d\""
                     % p, err)

    # the address comes back: after fail_timeout it is preferred again
    from lib.backends import TLSBackend
    back = TLSBackend("az2", ca.leaf[0], ca.leaf[1], host="127.0.2.1",
                      port=p)
    try:
        wait_for(lambda: which_backend(proxy.kafka_port, NAME,
                                       ca.cert) == "az2",
                 timeout=5, step=0.2, what="az2 preferred again")
    finally:
        back.close()


def test_all_addresses_down(make_proxy, zones, ca):
    bs, p = zones
    for b in bs.values():
        b.close()
    proxy = make_proxy(ROUTES.format(p=p), host_zone="az1").start()
    assert refused(proxy.kafka_port, NAME)
    line = wait_for(lambda: [l for l in proxy.nginx.error_log().splitlines()
                             if "no address of group" in l],
                    what="error line")[0]
    assert "[error]" in line
    assert ('cclink: no address of group "ep" accepted a connection for '
            'route "%s", tried 3 of 3: 127.0.1.1:%d (az1), ' % (NAME, p)
            in line)
    assert "127.0.2.1:%d" % p in line and "127.0.3.1:%d" % p in line
    st = proxy.status()
    assert st["refused"]["no_address"] == 1
    assert st["routes"][0]["upstream_failed"] == 1
    wait_for(lambda: "status=502" in proxy.nginx.access_log(),
             what="access log")


def test_next_upstream_tries_honoured(make_proxy, zones, ca):
    bs, p = zones
    for b in bs.values():
        b.close()
    proxy = make_proxy(ROUTES.format(p=p), host_zone="az1",
                       srv_extra="proxy_next_upstream_tries 2;").start()
    assert refused(proxy.kafka_port, NAME)
    line = wait_for(lambda: [l for l in proxy.nginx.error_log().splitlines()
                             if "no address of group" in l],
                    what="error line")[0]
    assert "tried 2 of 3" in line
    st = proxy.status()
    assert sum(a["attempts"] for a in st["addresses"]) == 2


def test_failed_address_is_tried_last_for_fail_timeout(make_proxy, zones,
                                                       ca):
    bs, p = zones
    bs["az2"].close()
    # default max_fails=1 fail_timeout=10s
    proxy = make_proxy(ROUTES.format(p=p), host_zone="az2",
                       workers=1).start()
    for _ in range(6):
        assert which_backend(proxy.kafka_port, NAME, ca.cert) in ("az1",
                                                                   "az3")
    st = proxy.status()
    az2 = [a for a in st["addresses"] if a["address"] == "127.0.2.1:%d" % p]
    # the first connection tried it; the next five went elsewhere first
    assert az2[0]["attempts"] == 1 and az2[0]["failures"] == 1
