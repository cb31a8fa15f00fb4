"""Network namespaces for the fleet tests: one switch namespace holding a
bridge, and hosts, each a namespace with one veth into the bridge and an
address on 10.77.0.0/16. Names carry a prefix and the test's pid, so
parallel runs never collide; close() deletes every namespace made (their
veths go with them).

    net = Net("flt")                       # namespaces flt<pid>sw, ...
    lb = net.host("lb", "10.77.0.2")
    lb.run(["haproxy", "-c", "-f", cfg])   # CompletedProcess
    lb.popen([...])                        # a process inside
    net.cut("p1"); net.restore("p1")       # the host's link down / up
    net.close()
"""

import os
import subprocess


def have_netns():
    """Whether this process may create network namespaces."""
    if os.geteuid() != 0:
        return False
    return subprocess.run(["ip", "netns", "list"], capture_output=True,
                          timeout=10).returncode == 0


def ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True,
                       timeout=20)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


class Host:
    def __init__(self, net, name, addrs):
        self.net = net
        self.name = name
        self.ns = net.prefix + name
        self.link = net.prefix + name          # inside the host
        self.port = net.prefix + name + "b"    # on the bridge
        self.addrs = list(addrs)

    def argv(self, argv):
        return ["ip", "netns", "exec", self.ns] + list(argv)

    def run(self, argv, timeout=60, **kw):
        return subprocess.run(self.argv(argv), capture_output=True,
                              text=True, timeout=timeout, **kw)

    def popen(self, argv, **kw):
        return subprocess.Popen(self.argv(argv), **kw)


class Net:
    def __init__(self, prefix):
        self.prefix = "%s%d" % (prefix, os.getpid())
        if len(self.prefix) + 3 > 15:
            raise ValueError("prefix too long for interface names")
        self.hosts = {}
        self.made = []
        self.sw = self.prefix + "sw"
        self._add_ns(self.sw)
        ip("-n", self.sw, "link", "add", "br0", "type", "bridge")
        ip("-n", self.sw, "link", "set", "br0", "up")

    def _add_ns(self, ns):
        ip("netns", "add", ns)
        self.made.append(ns)
        ip("-n", ns, "link", "set", "lo", "up")

    def host(self, name, *addrs):
        h = Host(self, name, addrs)
        self._add_ns(h.ns)
        ip("link", "add", h.link, "netns", h.ns, "type", "veth",
           "peer", "name", h.port, "netns", self.sw)
        ip("-n", self.sw, "link", "set", h.port, "master", "br0")
        ip("-n", self.sw, "link", "set", h.port, "up")
        for a in addrs:
            ip("-n", h.ns, "addr", "add", a + "/16", "dev", h.link)
        ip("-n", h.ns, "link", "set", h.link, "up")
        self.hosts[name] = h
        return h

    def cut(self, name):
        """The host is gone from the network: its bridge port is down."""
        ip("-n", self.sw, "link", "set", self.hosts[name].port, "down")

    def restore(self, name):
        ip("-n", self.sw, "link", "set", self.hosts[name].port, "up")

    def close(self):
        for ns in reversed(self.made):
            ip("netns", "del", ns, check=False)
        self.made = []
