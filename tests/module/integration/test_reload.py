"""Route table changes without an nginx reload: under load, with bad
files, at start."""

import os
import time

import pytest

from lib.nginx import wait_for
from lib.tlsclient import ping, refused, tls_connect, which_backend

BASE = """cclink-routes 1
serial {serial}
group a 127.0.0.1:{a} zone=az1
group b 127.0.0.1:{b} zone=az1
group c 127.0.0.1:{c} zone=az2
route a.example.test a
route b.example.test b
route *.zone.example.test {zone_target}
{extra}
end
"""


def table(ports, serial, zone_target="a", extra=""):
    return BASE.format(serial=serial, zone_target=zone_target, extra=extra,
                       **ports)


@pytest.fixture
def three(backends):
    bs = {n: backends(n) for n in "abc"}
    return bs, {n: b.port for n, b in bs.items()}


def test_changes_under_load_keep_connections(make_proxy, three, ca):
    bs, ports = three
    proxy = make_proxy(table(ports, 1), interval="250ms").start()
    workers = proxy.nginx.worker_pids()
    assert len(workers) == 2

    conns = []
    for i in range(200):
        name = "a.example.test" if i % 2 else "b.example.test"
        t = tls_connect(proxy.kafka_port, name, ca.cert, timeout=20)
        assert ping(t, "hello%d" % i) == "%s:hello%d" % (name[0], i)
        conns.append((t, name[0]))

    try:
        for k in range(2, 52):
            # alternately add and remove c, retarget the wildcard, and
            # retarget b.example.test (open b connections must stay on b)
            extra = "route c.example.test c" if k % 2 else ""
            target = "b" if k % 3 else "c"
            text = table(ports, k, zone_target=target, extra=extra)
            if k % 5 == 0:
                text = text.replace("route b.example.test b",
                                    "route b.example.test c")
            proxy.set_routes(text)
            t0 = time.monotonic()
            proxy.wait_serial(k, timeout=2.0)

            # new connections follow the new table
            assert which_backend(proxy.kafka_port, "x.zone.example.test",
                                 ca.cert) == target
            if k % 2:
                assert which_backend(proxy.kafka_port, "c.example.test",
                                     ca.cert) == "c"
            else:
                assert refused(proxy.kafka_port, "c.example.test")
            assert time.monotonic() - t0 < 2.0

            # every open connection still works, on its first backend
            for i, (t, backend) in enumerate(conns):
                assert ping(t, "k%d-%d" % (k, i)) == "%s:k%d-%d" % (
                    backend, k, i)
    finally:
        for t, _ in conns:
            t.close()

    assert proxy.nginx.worker_pids() == workers
    st = proxy.status()
    assert st["table"]["serial"] == 51
    assert st["table"]["reloads"] == 51
    assert st["table"]["load_errors"] == 0


def test_default_interval_applies_within_two_seconds(make_proxy, three, ca):
    bs, ports = three
    proxy = make_proxy(table(ports, 1)).start()
    assert refused(proxy.kafka_port, "c.example.test")
    proxy.set_routes(table(ports, 2, extra="route c.example.test c"))
    t0 = time.monotonic()
    wait_for(lambda: not refused(proxy.kafka_port, "c.example.test"),
             timeout=2.0, step=0.05, what="new route")
    assert time.monotonic() - t0 < 2.0
    assert which_backend(proxy.kafka_port, "c.example.test", ca.cert) == "c"
    assert proxy.status()["table"]["serial"] == 2


def _write_atomically(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def test_default_interval_is_half_a_second(make_proxy, three):
    """Without interval=, the file is checked every 500ms: a change made
    just after a load is served one check later, half a second after that
    load (it would be a second with a 1s interval, a tenth with 100ms).
    The table is reached through a symlink into another directory, which
    the directory's notifications do not cover: the timer alone sees its
    changes."""
    bs, ports = three
    proxy = make_proxy(table(ports, 1), workers=1)
    real = os.path.join(proxy.prefix, "real")
    os.makedirs(real)
    target = os.path.join(real, "routes.conf")
    _write_atomically(target, table(ports, 1))
    os.unlink(proxy.routes)
    os.symlink(target, proxy.routes)
    proxy.start()

    def served_after(serial):
        """Writes the table with this serial; the time it is served."""
        _write_atomically(target, table(ports, serial))
        wait_for(lambda: proxy.status()["table"]["serial"] == serial,
                 timeout=3.0, step=0.01, what="serial %d" % serial)
        return time.monotonic()

    # each change is written as soon as the previous one is served (just
    # after a check), so it waits one whole interval for the next check
    seen = [served_after(2)]
    for serial in range(3, 8):
        seen.append(served_after(serial))
    gaps = sorted(b - a for a, b in zip(seen, seen[1:]))
    assert 0.35 <= gaps[len(gaps) // 2] <= 0.75, gaps


BAD = {
    "syntax": ("cclink-routes 1\nserial 5\ngroup a 127.0.0.1:1\n"
               "route a.example.test\nend\n", ":4: \"route\" takes"),
    "unknown_group": ("cclink-routes 1\nserial 5\ngroup a 127.0.0.1:1\n"
                      "route a.example.test zz\nend\n",
                      ":4: route \"a.example.test\" names unknown group "
                      "\"zz\""),
    "empty": ("", ":1: empty file"),
    "truncated": ("cclink-routes 1\nserial 5\ngroup a 127.0.0.1:1\n"
                  "route a.example.test a\n",
                  ":4: file ends without the \"end\" line"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_table_at_start_fails_nginx_t(make_proxy, kind):
    text, expect = BAD[kind]
    proxy = make_proxy(text)
    ok, out = proxy.nginx.test_config()
    assert not ok
    assert "[emerg]" in out and proxy.routes + expect in out, out
    assert "nginx.conf:" in out


def test_unreadable_table_at_start(make_proxy, three):
    _, ports = three
    proxy = make_proxy(table(ports, 1))
    os.chmod(proxy.routes, 0)
    os.chmod(os.path.join(proxy.prefix, "logs"), 0o777)
    ok, out = proxy.nginx.test_config(user=65534)
    assert not ok
    assert proxy.routes + ": cannot open: Permission denied" in out, out


@pytest.mark.parametrize("kind", sorted(BAD) + ["unreadable"])
def test_bad_table_at_run_time_keeps_old_one(make_proxy, three, ca, kind):
    bs, ports = three
    proxy = make_proxy(table(ports, 7)).start()
    assert which_backend(proxy.kafka_port, "a.example.test", ca.cert) == "a"

    if kind == "unreadable":
        os.chmod(proxy.routes, 0)
        os.utime(proxy.routes)        # a new identity: looked at again
        expect = proxy.routes + ": cannot open: Permission denied"
    else:
        text, suffix = BAD[kind]
        proxy.set_routes(text)
        expect = proxy.routes + suffix

    wait_for(lambda: proxy.status()["table"]["load_errors"] == 1,
             timeout=3, what="load error")
    st = proxy.status()
    assert st["table"]["serial"] == 7
    assert expect in st["table"]["last_error"]
    err = proxy.nginx.error_log()
    assert "[error]" in err and expect in err
    assert "route table not reloaded, keeping serial 7" in err
    # the old table is still in force
    assert which_backend(proxy.kafka_port, "a.example.test", ca.cert) == "a"
    assert which_backend(proxy.kafka_port, "q.zone.example.test",
                         ca.cert) == "a"
    # and a good file after the bad one is taken
    if kind == "unreadable":
        os.chmod(proxy.routes, 0o644)
    proxy.set_routes(table(ports, 8, zone_target="c"))
    proxy.wait_serial(8)
    assert which_backend(proxy.kafka_port, "q.zone.example.test",
                         ca.cert) == "c"


def test_nginx_reload_keeps_zone_counters_and_connections(make_proxy, three,
                                                          ca):
    bs, ports = three
    proxy = make_proxy(table(ports, 1)).start()
    t = tls_connect(proxy.kafka_port, "a.example.test", ca.cert)
    assert ping(t, "before") == "a:before"
    for _ in range(3):
        assert which_backend(proxy.kafka_port, "a.example.test",
                             ca.cert) == "a"
    old_workers = proxy.nginx.worker_pids()

    # a new file and an nginx reload: the master reads the file, the zone
    # (and its counters) stays
    proxy.set_routes(table(ports, 2, zone_target="c"))
    os.kill(proxy.nginx.master_pid(), 1)
    wait_for(lambda: set(proxy.nginx.worker_pids()) - set(old_workers),
             timeout=5, what="new workers")
    proxy.wait_serial(2)
    assert which_backend(proxy.kafka_port, "q.zone.example.test",
                         ca.cert) == "c"

    # the connection opened before the reload still works
    assert ping(t, "after") == "a:after"
    t.close()

    st = proxy.status()
    route = [r for r in st["routes"] if r["route"] == "a.example.test"][0]
    assert route["connections"] == 4
    assert st["table"]["reloads"] == 2

    # the old worker leaves once its connection is gone
    wait_for(lambda: not set(old_workers) & set(proxy.nginx.worker_pids()),
             timeout=10, what="old workers to exit")


def big_table(ports, serial, n=100000):
    lines = ["cclink-routes 1", "serial %d" % serial,
             "group a 127.0.0.1:%d" % ports["a"],
             "group b 127.0.0.1:%d" % ports["b"]]
    for i in range(n):
        lines.append("route e-%05x-usw2-az1-l63jl.zone.example.test %s"
                     % (i, "ab"[(i + serial) % 2]))
    lines.append("end\n")
    return "\n".join(lines)


def test_100k_route_table_in_place(make_proxy, three, ca):
    bs, ports = three
    proxy = make_proxy(big_table(ports, 1), zone_size="64m").start()
    name = "e-%05x-usw2-az1-l63jl.zone.example.test" % 77777
    assert which_backend(proxy.kafka_port, name, ca.cert) == "a"
    assert proxy.status()["table"]["routes"] == 100000
    proxy.set_routes(big_table(ports, 2))
    proxy.wait_serial(2, timeout=3)
    assert which_backend(proxy.kafka_port, name, ca.cert) == "b"
