"""What the end-to-end tests share: the world they run in (a cloud, its
sites, the proxies and a laptop; stack.py), and the checks every run ends
with."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import stack  # noqa: E402
from console import ConsolePage  # noqa: E402

ARTIFACTS = os.path.join(stack.REPO, "tests", "artifacts")

AWS = "lkc-7xq2jv"
AZURE = "lkc-3nv7yd"
KAFKA_TOPIC = "e2e-orders"
REST_TOPICS = {AWS: ["orders", "payments", "audit.log"],
               AZURE: ["inventory"]}


def sidecar_errors(proxy):
    return [ln for ln in proxy.sidecar_output().splitlines()
            if ln.startswith("level=error")]


class World:
    """One cloud, its sites, proxies and a laptop; stop() ends them all
    and returns what went wrong on the way out."""

    def __init__(self, root):
        self.root = root
        self.page = None
        self.cloud = None
        self.proxies = []
        self.laptop = None

    def stop(self):
        errors = []
        for p in reversed(self.proxies):
            rc = p.stop()
            if rc not in (0, None):
                errors.append("cclink-sidecar of %s exited %s"
                              % (p.name, rc))
        if self.cloud is not None:
            errors += self.cloud.stop()
        if self.page is not None:
            self.page.stop()
        return errors

    def problems(self):
        """Error log lines no run may leave: [alert]/[crit]/[emerg] in
        the proxies' nginx, [alert]/[emerg] and all but the known
        SSL_shutdown [crit] in the endpoints', level=error in the
        sidecars'."""
        out = []
        for p in self.proxies:
            out += ["%s nginx: %s" % (p.name, ln) for ln in p.problems()]
            out += ["%s sidecar: %s" % (p.name, ln)
                    for ln in sidecar_errors(p)]
        if self.cloud is not None:
            out += ["endpoint: %s" % ln.rstrip()
                    for ln in self.cloud.problems()]
        return out


def make_world(root, mode, clusters, page=True):
    """Starts the cloud with a site per cluster and one proxy per site
    (clusters: [(cluster id, proxy name, environment)])."""
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    w = World(root)
    try:
        if page:
            w.page = ConsolePage().start()
        topics = ["%s:%s" % (c, t) for c, ts in REST_TOPICS.items()
                  for t in ts]
        w.cloud = stack.Cloud(root, rest_origins=[w.page.origin] if page
                              else (), rest_topics=topics).start()
        for cid, name, env in clusters:
            site = w.cloud.add_site(cid, topics=["%s:6:3" % KAFKA_TOPIC])
            proxy = stack.ProxyHost(root, name, w.cloud, [site], mode=mode,
                                    environments=[env])
            w.proxies.append(proxy)
            proxy.start()
        w.laptop = stack.Laptop(root)
        for p in w.proxies:
            w.laptop.apply(p)
    except BaseException:
        w.stop()
        raise
    return w


def check_clean(world):
    """Stops the world; fails on a bad exit or a bad error log line."""
    problems = world.problems()
    errors = world.stop()
    assert not errors, "\n".join(errors)
    assert not problems, "error logs:\n" + "\n".join(problems)
