"""Runs the distribution's nginx with the built cclink module in a private
prefix, on loopback ports, for tests.

    ngx = Nginx(tmpdir, stream="...", http="...")
    ngx.start()            # waits until the listeners accept
    ngx.worker_pids()
    ngx.error_log()        # text
    ngx.stop()             # and asserts no [alert]/[emerg] lines

Paths in the configuration text may use {prefix}.
"""

import os
import re
import signal
import socket
import subprocess
import time

NGINX = os.environ.get("CCLINK_NGINX", "/usr/sbin/nginx")
BUILD = os.environ.get("CCLINK_BUILD",
                       os.path.join(os.path.dirname(__file__), "..", "..",
                                    "build"))
MODULE = os.path.abspath(os.path.join(BUILD, "modules",
                                      "ngx_stream_cclink_module.so"))
# the http modules (status page, health, PAC), loaded after MODULE
HTTP_MODULE = os.path.abspath(os.path.join(BUILD, "modules",
                                           "ngx_http_cclink_module.so"))
STREAM_SO = "/usr/lib/nginx/modules/ngx_stream_module.so"
# the names every dynamic module defines (two of ours are loaded)
ASAN_SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "asan-odr.supp")


# ports already handed out by free_port() in this process
_GIVEN = set()


def free_port(host="127.0.0.1"):
    """A port free now and not handed out before in this process: the
    kernel may give the same ephemeral port to two binds in a row once the
    first socket is closed, and a proxy told to listen twice on one port
    does not start."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port
    raise RuntimeError("no fresh free port after 100 tries")


# sockets that hold the ports of refused_port() for the test run
_HELD = []


def refused_port(host="127.0.0.1"):
    """A port that refuses connections and that nothing else can take
    while the tests run (bound, never listening): a free_port() that is
    only meant to be dead may be handed to the next listener."""
    s = socket.socket()
    s.bind((host, 0))
    _HELD.append(s)
    return s.getsockname()[1]


def wait_for(pred, timeout=5.0, step=0.02, what="condition"):
    """Polls pred() until it returns a true value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(step)


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def nginx_env(logs):
    """The environment for nginx: with CCLINK_PRELOAD set (a sanitizer
    build of the module), the sanitizer runtimes are preloaded and write
    their reports into logs, where Nginx.stop() looks for them."""
    env = dict(os.environ)
    pre = os.environ.get("CCLINK_PRELOAD", "").split()
    if pre:
        os.makedirs(logs, exist_ok=True)
        os.chmod(logs, 0o777)         # workers run unprivileged
        env["LD_PRELOAD"] = " ".join(pre)
        env["ASAN_OPTIONS"] = ("detect_leaks=0:abort_on_error=0:"
                               "suppressions=%s:log_path=%s/asan"
                               % (ASAN_SUPP, logs))
        env["UBSAN_OPTIONS"] = ("print_stacktrace=1:halt_on_error=1:"
                                "log_path=%s/ubsan" % logs)
    return env


class Nginx:
    def __init__(self, prefix, stream="", http="", workers=2, module=True,
                 main=""):
        self.prefix = os.path.abspath(prefix)
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        self.pid_file = os.path.join(self.prefix, "nginx.pid")
        self.err = os.path.join(self.prefix, "logs", "error.log")
        self.proc = None
        self.workers = workers
        loads = "load_module %s;\n" % STREAM_SO
        if module:
            loads += "load_module %s;\n" % MODULE
            loads += "load_module %s;\n" % HTTP_MODULE
        text = (loads +
                "worker_processes %d;\n" % workers +
                "error_log %s info;\n" % self.err +
                "pid %s;\n" % self.pid_file +
                main +
                "events { worker_connections 4096; }\n")
        if stream:
            text += "stream {\n%s\n}\n" % stream
        if http:
            text += ("http {\n access_log off;\n"
                     " client_body_temp_path {prefix}/tmp;\n"
                     " proxy_temp_path {prefix}/tmp;\n"
                     " fastcgi_temp_path {prefix}/tmp;\n"
                     " uwsgi_temp_path {prefix}/tmp;\n"
                     " scgi_temp_path {prefix}/tmp;\n%s\n}\n" % http)
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(text.replace("{prefix}", self.prefix))

    def env(self):
        return nginx_env(os.path.join(self.prefix, "logs"))

    def sanitizer_reports(self):
        logs = os.path.join(self.prefix, "logs")
        out = []
        for n in sorted(os.listdir(logs)):
            if n.startswith(("asan", "ubsan")):
                with open(os.path.join(logs, n)) as f:
                    out.append(n + ":\n" + f.read())
        return out

    def cmd(self, *args):
        return [NGINX, "-p", self.prefix + "/", "-c", self.conf] + list(args)

    def test_config(self, user=None):
        """Runs nginx -t; returns (ok, output)."""
        cmd = self.cmd("-t")
        if user is not None:
            cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                   "--clear-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True,
                           env=self.env())
        return p.returncode == 0, p.stdout + p.stderr

    def start(self, wait_ports=()):
        p = subprocess.run(self.cmd(), capture_output=True, text=True,
                           env=self.env())
        if p.returncode != 0:
            raise AssertionError("nginx failed to start:\n" + p.stderr +
                                 self.error_log())
        wait_for(lambda: os.path.exists(self.pid_file), what="nginx pid")
        # workers start after the master has written its pid
        wait_for(lambda: len(self.worker_pids()) == self.workers,
                 timeout=15, what="%d worker processes" % self.workers)
        for host, port in wait_ports:
            wait_for(lambda: port_open(host, port), what="port %d" % port)
        return self

    def master_pid(self):
        with open(self.pid_file) as f:
            return int(f.read().strip())

    def worker_pids(self):
        master = self.master_pid()
        out = subprocess.run(["ps", "-o", "pid=,ppid=,args=", "-e"],
                             capture_output=True, text=True).stdout
        pids = []
        for line in out.splitlines():
            parts = line.split(None, 2)
            if (len(parts) == 3 and int(parts[1]) == master
                    and "worker process" in parts[2]):
                pids.append(int(parts[0]))
        return sorted(pids)

    def error_log(self):
        try:
            with open(self.err, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def access_log(self, name="access.log"):
        try:
            with open(os.path.join(self.prefix, "logs", name)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def bad_lines(self):
        return [l for l in self.error_log().splitlines()
                if re.match(r"\S+ \S+ \[(alert|emerg|crit)\]", l)]

    def stop(self, check=True):
        if not os.path.exists(self.pid_file):
            return
        try:
            pid = self.master_pid()
            os.kill(pid, signal.SIGQUIT)
        except (OSError, ValueError):
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, signal.SIGKILL)
        if check:
            bad = self.bad_lines()
            assert not bad, "error log has:\n" + "\n".join(bad)
            reports = self.sanitizer_reports()
            assert not reports, "sanitizer reports:\n" + "\n".join(reports)
