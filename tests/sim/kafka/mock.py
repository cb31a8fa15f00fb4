"""Kafka brokers for tests: librdkafka's mock cluster advertising
Confluent-style broker names (tests/sim/kafka/mock_cluster.c).

    from sim.kafka.mock import start_mock       # or a relative import

    mock = start_mock(tmpdir,
                      brokers={1: "e-0cb9-usw2-az1-l63jl.us-west-2.aws."
                                  "glb.confluent.cloud:9092", ...},
                      topics=["orders:6"])
    mock.info["brokers"][0]["listen"]      # "127.0.0.1:40123"
    mock.info["brokers"][0]["advertised"]  # "e-0cb9-...:9092"
    mock.command("add 4 e-0cb9-usw2-az3-l63jl...:9092")
    mock.stop()

A broker given as "name" (no port) or "name:0" advertises its own listen
port, so that a client on this host can reach it by name directly (with
the name resolving to 127.0.0.1, see run_with_hosts()). With ":9092" the
names are what Confluent Cloud advertises, and something else (the
endpoint simulator) has to carry port 9092 to each broker's listen port.

The program is built with make (tests/sim/kafka/kafka.mk) when it is
missing or older than its source. Standard library only.
"""

import fcntl
import json
import os
import signal
import subprocess
import tempfile
import time


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SOURCE = os.path.join(HERE, "mock_cluster.c")
MAKEFILE = os.path.join(HERE, "kafka.mk")


class MockError(RuntimeError):
    """The mock cluster could not be built, started or commanded."""


def build_dir():
    return os.environ.get("CCLINK_BUILD") or os.path.join(REPO, "build")


def binary_path():
    return (os.environ.get("CCLINK_MOCK_CLUSTER")
            or os.path.join(build_dir(), "sim", "kafka", "mock_cluster"))


def build(force=False):
    """Builds mock_cluster (and librdkafka, the first time) with make when
    the binary is missing or older than its source; returns its path. A
    lock file keeps parallel test processes from building at once."""
    path = binary_path()
    if os.environ.get("CCLINK_MOCK_CLUSTER"):
        if not os.access(path, os.X_OK):
            raise MockError("CCLINK_MOCK_CLUSTER=%s is not executable" % path)
        return path

    def current():
        return (os.access(path, os.X_OK)
                and os.path.getmtime(path) >= os.path.getmtime(SOURCE))

    if current() and not force:
        return path

    os.makedirs(build_dir(), exist_ok=True)
    with open(os.path.join(build_dir(), ".kafka-sim.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if current() and not force:
            return path
        proc = subprocess.run(
            ["make", "--no-print-directory", "-f", MAKEFILE,
             "BUILD=" + build_dir(), "kafka-sim"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True)
        if proc.returncode != 0:
            raise MockError("building mock_cluster failed:\n" + proc.stdout)
    return path


def _topic_arg(topic):
    if isinstance(topic, str):
        return topic
    return ":".join(str(part) for part in topic)


class MockCluster:
    """A running mock_cluster process. info: the parsed info file."""

    def __init__(self, proc, directory, info_file, control, log_file):
        self.proc = proc
        self.dir = directory
        self.info_file = info_file
        self.control = control
        self.log_file = log_file
        self.info = None

    # -- what it looks like ------------------------------------------------

    def reload(self):
        """Reads the info file again (it is replaced atomically)."""
        with open(self.info_file) as f:
            self.info = json.load(f)
        return self.info

    @property
    def cluster_id(self):
        return self.info["cluster_id"]

    @property
    def bootstrap(self):
        """The real listen addresses: 127.0.0.1:PORT,..."""
        return self.info["bootstrap"]

    @property
    def advertised_bootstrap(self):
        return self.info["advertised_bootstrap"]

    def brokers(self):
        """{id: broker dict} of the brokers present now."""
        return {b["id"]: b for b in self.info["brokers"]}

    def names(self):
        """The advertised host names that are not IP literals."""
        return sorted({b["host"] for b in self.info["brokers"]
                       if not b["host"].replace(".", "").isdigit()})

    def log(self):
        with open(self.log_file, errors="replace") as f:
            return f.read()

    # -- changing it -------------------------------------------------------

    def command(self, line, timeout=15.0, check=True):
        """Sends one control command and waits until the mock has run it;
        returns its last_command record ({"line", "ok", "error"}). Raises
        MockError when check and the command failed."""
        if self.control is None:
            raise MockError("mock started without a control FIFO")
        if "\n" in line:
            raise ValueError("one command per call")
        seen = self.reload()["commands"]
        fd = os.open(self.control, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

        def ran():
            self._check_alive()
            return self.reload()["commands"] > seen

        _wait_for(ran, timeout, "mock_cluster to run %r" % line)
        result = self.info["last_command"]
        if check and not result["ok"]:
            raise MockError("command %r failed: %s" % (line, result["error"]))
        return result

    def add_broker(self, broker_id, address, timeout=15.0):
        """address: "name:port", "name" or "name:0" (own listen port)."""
        self.command("add %d %s" % (broker_id, address), timeout)
        return self.brokers()[broker_id]

    def spread_leaders(self, topic, partitions=None):
        """Makes partition p of topic led by the p-th broker present
        (round robin), so that traffic to the topic reaches every broker.
        partitions defaults to the count the topic was created with."""
        if partitions is None:
            partitions = {t["name"]: t["partitions"]
                          for t in self.info["topics"]}[topic]
        ids = sorted(self.brokers())
        leaders = {}
        for p in range(partitions):
            leaders[p] = ids[p % len(ids)]
            self.command("leader %s %d %d" % (topic, p, leaders[p]))
        return leaders

    # -- life cycle --------------------------------------------------------

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise MockError("mock_cluster exited with %s:\n%s"
                            % (self.proc.returncode, self.log()))

    def stop(self, timeout=15.0):
        """SIGTERM, then waits; returns the exit status (0 when clean)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise MockError("mock_cluster did not stop on SIGTERM "
                                "within %.0fs" % timeout)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_mock(tmpdir, brokers=None, topics=(), count=None, control=True,
               debug=False, timeout=30.0, name="kafka"):
    """Starts mock_cluster in tmpdir and waits for its info file.

    brokers: {id: "host:port" | "host"}; ids 1..count exist (count
    defaults to 3 or the highest id given); a broker not named advertises
    127.0.0.1 and its own port. topics: "name:partitions[:rf]" strings or
    (name, partitions[, rf]) tuples. Returns a MockCluster with .info set.
    """
    path = build()
    directory = os.path.join(str(tmpdir), name)
    os.makedirs(directory, exist_ok=True)
    info_file = os.path.join(directory, "info.json")
    log_file = os.path.join(directory, "mock_cluster.log")
    fifo = os.path.join(directory, "control") if control else None
    for stale in (info_file, fifo):
        if stale and os.path.lexists(stale):
            os.unlink(stale)

    argv = [path, "--info-file", info_file]
    if count is not None:
        argv += ["--brokers", str(count)]
    for broker_id, address in sorted((brokers or {}).items()):
        argv += ["--broker", "%d=%s" % (broker_id, address)]
    for topic in topics:
        argv += ["--topic", _topic_arg(topic)]
    if fifo:
        argv += ["--control", fifo]
    if debug:
        argv.append("--debug")

    log = open(log_file, "w")
    try:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    finally:
        log.close()

    mock = MockCluster(proc, directory, info_file, fifo, log_file)

    def ready():
        mock._check_alive()
        return os.path.exists(info_file)

    try:
        _wait_for(ready, timeout, "mock_cluster's info file")
        mock.reload()
    except BaseException:
        mock.stop()
        raise
    return mock


# ---------------------------------------------------------------------------
# clients that resolve the advertised names

def hosts_text(names, address="127.0.0.1"):
    """A hosts file: localhost plus each name at address."""
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost"]
    lines += ["%s %s" % (address, n) for n in names]
    return "\n".join(lines) + "\n"


def run_with_hosts(hosts, argv, directory=None, **kwargs):
    """Runs argv in a private mount namespace in which a generated hosts
    file is bind-mounted over /etc/hosts; the machine's /etc/hosts is not
    touched. hosts: a {name: address} dict, a list of names (127.0.0.1) or
    the file's text. kwargs go to subprocess.run (check, input, timeout,
    ...); stdout and stderr are captured as text unless given."""
    if isinstance(hosts, dict):
        lines = ["127.0.0.1 localhost"]
        lines += ["%s %s" % (a, n) for n, a in sorted(hosts.items())]
        text = "\n".join(lines) + "\n"
    elif isinstance(hosts, str):
        text = hosts
    else:
        text = hosts_text(hosts)

    fd, path = tempfile.mkstemp(prefix="hosts.", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        # As root a plain mount namespace will do; otherwise a user
        # namespace gives the right to mount in it.
        unshare = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            unshare.insert(1, "--map-root-user")
        wrapper = unshare + [
            "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', path]
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        kwargs.setdefault("universal_newlines", True)
        return subprocess.run(wrapper + list(argv), **kwargs)
    finally:
        os.unlink(path)


def _wait_for(predicate, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise MockError("timed out after %.1fs waiting for %s"
                            % (timeout, what))
        time.sleep(interval)
