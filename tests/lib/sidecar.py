"""Running cclink-sidecar from the integration tests.

    sc = Sidecar(tmp_path / "sc", api)        # api: a sim.harness.ApiSim
    sc.write_config(targets=DEFAULT_TARGETS)
    r = sc.run("once")                         # CompletedProcess
    sc.read("routes.conf"), sc.state(), sc.snapshot()

The binary is $CCLINK_BUILD/sidecar/cclink-sidecar (default build/ at the
top of the repository). Credentials go through the environment, as in
production; every run gets a fresh copy of os.environ without the
developer's own CONFLUENT_CLOUD_* variables.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TESTS = os.path.join(REPO, "tests")
for _p in (TESTS,):
    if _p not in sys.path:
        sys.path.insert(0, _p)

BUILD = os.environ.get("CCLINK_BUILD", os.path.join(REPO, "build"))
BINARY = os.path.join(BUILD, "sidecar", "cclink-sidecar")
MODULE_SO = os.path.join(BUILD, "modules", "ngx_stream_cclink_module.so")
STREAM_SO = "/usr/lib/nginx/modules/ngx_stream_module.so"
TEMPLATE = os.path.join(REPO, "conf-templates", "cclink-sidecar.conf")

OUTPUTS = ("routes.conf", "nginx-cclink.conf", "hosts-linux.txt",
           "hosts-windows.txt", "hosts-apply.ps1", "hosts-apply.sh")

# the simulator's scenario aws-dedicated.json, one address per zone
DEFAULT_TARGETS = [
    ("n-p9x4z", "10.1.1.10", "usw2-az1"),
    ("n-p9x4z", "10.1.2.10", "usw2-az2"),
    ("n-p9x4z", "10.1.3.10", "usw2-az3"),
    ("n-k2m7r", "10.2.2.10", "usw2-az2"),
    ("n-k2m7r", "10.2.3.10", "usw2-az3"),
    ("n-k2m7r", "10.2.4.10", "usw2-az4"),
    ("platt-k3v8m", "10.3.0.10", None),
    ("platt-w6j2d", "10.4.0.10", None),
    ("ap-3f8kz2", "10.5.0.10", None),
]


def have_binary():
    return os.access(BINARY, os.X_OK)


class Sidecar:
    def __init__(self, workdir, api=None, secret=None):
        self.dir = os.path.abspath(str(workdir))
        self.out = os.path.join(self.dir, "out")
        self.conf = os.path.join(self.dir, "cclink-sidecar.conf")
        os.makedirs(self.dir, exist_ok=True)
        self.api = api
        self.key = api.api_key if api else None
        self.secret = secret if secret is not None else (
            api.api_secret if api else None)
        self.proc = None
        self.log_path = os.path.join(self.dir, "run.log")

    # -- configuration -------------------------------------------------

    def write_config(self, targets=DEFAULT_TARGETS, extra="",
                     environments="all", services=None, mode="module",
                     http=("http_retries 3", "retry_backoff 100ms 1s",
                           "http_timeout 10s"), allow_local=True):
        lines = [
            "# written by the sidecar integration tests",
            "environments %s" % environments,
            "output_dir %s" % self.out,
            "proxy_address 203.0.113.10",
            "proxy_name test-proxy",
            "zone usw2-az1",
            "mode %s" % mode,
            "poll_interval 5",
            "poll_jitter 0",
        ] + list(http)
        if self.api is not None:
            lines.append("api_url %s" % self.api.url)
            lines.append("ca_file %s" % self.api.ca_file)
        if services:
            lines.append("services %s" % services)
        if allow_local:
            # the simulator's endpoints and the tests' backends listen
            # on loopback addresses
            lines.append("allow_local_targets on")
        if targets:
            lines.append("target_dns off")
            for key, addr, zone in targets:
                lines.append("target %s %s%s" % (
                    key, addr, " zone=%s" % zone if zone else ""))
        text = "\n".join(lines) + "\n" + extra
        with open(self.conf, "w") as f:
            f.write(text)
        return self.conf

    # -- running -------------------------------------------------------

    def env(self, key=None, secret=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CONFLUENT_CLOUD_")}
        k = key if key is not None else self.key
        s = secret if secret is not None else self.secret
        if k is not None:
            env["CONFLUENT_CLOUD_API_KEY"] = k
        if s is not None:
            env["CONFLUENT_CLOUD_API_SECRET"] = s
        return env

    def run(self, *args, config=None, env=None, timeout=120, check=None,
            input=None, binary=False):
        """binary=True: stdout and stderr as bytes (CRLF untouched)."""
        argv = [BINARY, "--config", config or self.conf] + list(args)
        r = subprocess.run(argv, env=env or self.env(), timeout=timeout,
                           capture_output=True, text=not binary,
                           input=input)
        with open(os.path.join(self.dir, "runs.log"), "a") as f:
            f.write("$ %s\n[exit %d]\n%s%s\n" % (
                " ".join(argv), r.returncode,
                r.stdout.decode(errors="replace") if binary else r.stdout,
                r.stderr.decode(errors="replace") if binary else r.stderr))
        if check is not None and r.returncode != check:
            raise AssertionError("cclink-sidecar %s exited %d, expected %d"
                                 ":\n%s%s" % (" ".join(args), r.returncode,
                                              check, r.stdout, r.stderr))
        return r

    def start(self, *args, env=None):
        """Starts "run" in the background; its stderr goes to run.log."""
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [BINARY, "--config", self.conf, "run"] + list(args),
            env=env or self.env(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        log.close()
        return self.proc

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, needle, count=1, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count(needle) >= count:
                return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no %d x %r in the log within %ss:\n%s"
                             % (count, needle, timeout, self.log()))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    # -- results -------------------------------------------------------

    def path(self, name):
        return os.path.join(self.out, name)

    def read(self, name, mode="r"):
        with open(self.path(name), mode, newline="" if mode == "r"
                  else None) as f:
            return f.read()

    def state(self):
        with open(self.path("state.json")) as f:
            return json.load(f)

    def snapshot(self):
        """{name: (bytes, mtime_ns, inode)} of the rendered files."""
        snap = {}
        for name in OUTPUTS:
            st = os.stat(self.path(name))
            with open(self.path(name), "rb") as f:
                snap[name] = (f.read(), st.st_mtime_ns, st.st_ino)
        return snap

    def routes(self):
        """{key: group} from the route table."""
        out = {}
        for line in self.read("routes.conf").splitlines():
            if line.startswith("route "):
                _, key, group = line.split()
                out[key] = group
        return out

    def hosts_names(self, name="hosts-linux.txt"):
        return [line.split()[1] for line in self.read(name).splitlines()
                if line and not line.startswith("#")]


def calls(state, prefix):
    """The call records of the last discovery whose name starts so."""
    return [c for c in state["last_discovery"]["calls"]
            if c["call"].startswith(prefix)]


def copy_outputs(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        shutil.copy2(os.path.join(src, name), os.path.join(dst, name))
