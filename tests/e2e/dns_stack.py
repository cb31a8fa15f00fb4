"""The stack of stack.py with the proxy's DNS server
(ngx_stream_cclink_dns_module) and a laptop that uses it as its only name
service. Used by tests/e2e/test_e2e_dns.py and tools/demo.py.

    proxy = DNSProxyHost(workdir, "edge", cloud, [site], kafka_key=False)
    proxy.start()                   # nginx also answers DNS on address:53
    laptop = DNSLaptop(workdir, proxy.address)
    laptop.run(["getent", "hosts", site.bootstrap])

The DNS server listens on the proxy's own 127.x address, port 53 (the
proxies already take fixed ports on their address as root): a
resolv.conf cannot name a port. The laptop's /etc/resolv.conf and
/etc/hosts are bind-mounted in a private mount namespace; the machine's
files are never touched.
"""

import os
import subprocess
import time

import stack

DNS_SERVER = """
    server {
        listen %(addr)s:53 udp;
        listen %(addr)s:53;
        cclink_dns on;
        cclink_dns_address %(addr)s;
        cclink_dns_zones confluent.cloud;
        preread_timeout 5s;
    }
"""


class DNSProxyHost(stack.ProxyHost):
    """A proxy host that also answers DNS on its address, port 53; with
    kafka_key False its sidecar has no Kafka API key (no broker name is
    discovered: the route table has the bootstrap names and the domain
    patterns only)."""

    def __init__(self, *args, kafka_key=True, **kw):
        super().__init__(*args, **kw)
        self.kafka_key = kafka_key

    def config_lines(self):
        lines = super().config_lines()
        if self.kafka_key:
            return lines
        return [ln for ln in lines
                if not ln.startswith("kafka_credentials_file")]

    def _nginx(self):
        ngx = super()._nginx()
        with open(ngx.conf) as f:
            text = f.read()
        text = text.replace("    upstream cclink_endpoints",
                            DNS_SERVER % {"addr": self.address}
                            + "    upstream cclink_endpoints", 1)
        with open(ngx.conf, "w") as f:
            f.write(text)
        return ngx


class DNSLaptop(stack.Laptop):
    """A laptop whose /etc/hosts holds no cluster name and whose
    /etc/resolv.conf names only the proxy's DNS."""

    def __init__(self, workdir, nameserver, name="dns-laptop"):
        super().__init__(workdir, name)
        self.resolv = os.path.join(self.dir, "resolv.conf")
        with open(self.resolv, "w") as f:
            f.write("nameserver %s\noptions timeout:2 attempts:2\n"
                    % nameserver)
        os.chmod(self.resolv, 0o644)

    def wrapper(self):
        return ["unshare", "--mount", "--propagation", "private", "sh",
                "-c", 'mount --bind "$0" /etc/hosts && '
                'mount --bind "$1" /etc/resolv.conf && shift && '
                'exec "$@"', self.hosts, self.resolv]

    def run(self, argv, timeout=120, input=None):
        t0 = time.monotonic()
        r = subprocess.run(self.wrapper() + list(argv), capture_output=True,
                           text=True, input=input, timeout=timeout,
                           env=stack.clean_env())
        with open(self.log, "a") as f:
            f.write("$ %s\n[exit %d, %.2fs]\n%s\n%s\n"
                    % (" ".join(argv), r.returncode, time.monotonic() - t0,
                       r.stdout[-4000:], r.stderr[-4000:]))
        return r
