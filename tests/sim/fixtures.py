"""pytest fixtures for the simulator. Use from a test module or conftest:

    import sys, os
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from sim.fixtures import *          # noqa: F401,F403  (or pytest_plugins)

    def test_discovery(sim_api):
        r = sim_api.get("/org/v2/environments")

Fixtures (each function-scoped, in the test's own tmp_path, stopped at
teardown):
    sim_ca             SimCA in tmp_path/ca
    sim_api            ccloud_api.py with aws-dedicated.json, page size 2
    sim_api_factory    start_api(**kw) with the defaults filled in
    sim_rest           rest_backend.py serving lkc-7xq2jv and lkc-9wd3ny
    sim_endpoint_factory  start_endpoint(**kw); endpoints get their own
                       directory under tmp_path
    sim_tcp_factory    start_tcp_backend(banner)
"""

import itertools

import pytest

from sim import harness


@pytest.fixture
def sim_ca(tmp_path):
    return harness.SimCA(tmp_path / "ca")


@pytest.fixture
def sim_api_factory(tmp_path, sim_ca):
    started = []
    seq = itertools.count(1)

    def factory(**kw):
        kw.setdefault("ca", sim_ca)
        api = harness.start_api(tmp_path / ("api%d" % next(seq)), **kw)
        started.append(api)
        return api
    yield factory
    for api in started:
        api.stop()


@pytest.fixture
def sim_api(sim_api_factory):
    return sim_api_factory()


@pytest.fixture
def sim_rest(tmp_path):
    rest = harness.start_rest_backend(tmp_path / "rest",
                                      clusters=("lkc-7xq2jv", "lkc-9wd3ny"))
    yield rest
    rest.stop()


@pytest.fixture
def sim_endpoint_factory(tmp_path, sim_ca):
    started = []
    seq = itertools.count(1)

    def factory(**kw):
        kw.setdefault("ca", sim_ca)
        ep = harness.start_endpoint(tmp_path / ("endpoint%d" % next(seq)),
                                    **kw)
        started.append(ep)
        return ep
    yield factory
    for ep in started:
        ep.stop()


@pytest.fixture
def sim_tcp_factory():
    started = []

    def factory(banner):
        b = harness.start_tcp_backend(banner)
        started.append(b)
        return b
    yield factory
    for b in started:
        b.stop()


__all__ = ["sim_ca", "sim_api", "sim_api_factory", "sim_rest",
           "sim_endpoint_factory", "sim_tcp_factory"]
