"""cclink-sidecar hosts print / hosts apply: only the lines between this
proxy's markers change, LF or CRLF as the file has them, with a backup,
atomically, and a second apply changes nothing."""

import os
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

OTHER = ("# BEGIN cclink other-proxy\n198.51.100.7 x.example.com\n"
         "# END cclink other-proxy\n")


@pytest.fixture
def sidecar(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config()
    sc.run("once", check=0)
    return sc


def test_print_formats(sidecar):
    for fmt, name in (("linux", "hosts-linux.txt"),
                      ("windows", "hosts-windows.txt"),
                      ("powershell", "hosts-apply.ps1"),
                      ("sh", "hosts-apply.sh")):
        out = sidecar.run("hosts", "print", "--format", fmt, check=0,
                          binary=True).stdout
        assert out == sidecar.read(name, "rb"), fmt
    assert sidecar.run("hosts", "print", binary=True).stdout == \
        sidecar.read("hosts-linux.txt", "rb")
    assert sidecar.run("hosts", "print", "--format", "vms").returncode == 64


def test_print_works_without_credentials(sidecar):
    r = sidecar.run("hosts", "print", env=sidecar.env(key="", secret=""))
    assert r.returncode == 0 and "# BEGIN cclink test-proxy" in r.stdout


def test_apply_keeps_everything_else_byte_for_byte(sidecar, tmp_path):
    hosts = tmp_path / "hosts"
    head = "127.0.0.1\tlocalhost\n# a comment  with  spaces\n" + OTHER
    tail = "10.9.9.9 last.example   # no newline at the end"
    hosts.write_bytes((head + tail).encode())
    os.chmod(hosts, 0o640)

    sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    text = hosts.read_bytes().decode()
    block = sidecar.read("hosts-linux.txt")
    assert text == head + tail + "\n" + block
    assert (tmp_path / "hosts.cclink-backup").read_bytes().decode() == \
        head + tail
    assert os.stat(hosts).st_mode & 0o777 == 0o640

    # idempotent: the second apply leaves the very same file
    st = os.stat(hosts)
    r = sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    assert "event=hosts_unchanged" in r.stderr
    st2 = os.stat(hosts)
    assert (st.st_ino, st.st_mtime_ns) == (st2.st_ino, st2.st_mtime_ns)


def test_apply_replaces_only_its_block_in_a_crlf_file(sidecar, tmp_path):
    hosts = tmp_path / "hosts"
    old = ("127.0.0.1 localhost\r\n"
           "# BEGIN cclink test-proxy\r\n203.0.113.10 old.example.com\r\n"
           "# END cclink test-proxy\r\n" + OTHER.replace("\n", "\r\n")
           + "::1 localhost\r\n")
    hosts.write_bytes(old.encode())

    sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    text = hosts.read_bytes().decode()
    assert text == ("127.0.0.1 localhost\r\n"
                    + sidecar.read("hosts-windows.txt")
                    + OTHER.replace("\n", "\r\n") + "::1 localhost\r\n")
    assert "old.example.com" not in text

    before = hosts.read_bytes()
    sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    assert hosts.read_bytes() == before


def test_apply_to_a_new_file_uses_the_format(sidecar, tmp_path):
    hosts = tmp_path / "windows-hosts"
    sidecar.run("hosts", "apply", "--file", str(hosts), "--format",
                "windows", check=0)
    assert hosts.read_bytes().decode() == sidecar.read("hosts-windows.txt")
    assert not (tmp_path / "windows-hosts.cclink-backup").exists()


def test_apply_refuses_broken_markers(sidecar, tmp_path):
    hosts = tmp_path / "hosts"
    old = "127.0.0.1 localhost\n# BEGIN cclink test-proxy\n1.2.3.4 x\n"
    hosts.write_text(old)
    r = sidecar.run("hosts", "apply", "--file", str(hosts))
    assert r.returncode == 1
    assert "where=%s:2" % hosts in r.stderr
    assert "BEGIN marker without END" in r.stderr
    assert hosts.read_text() == old


def test_apply_merges_duplicated_blocks(sidecar, tmp_path):
    hosts = tmp_path / "hosts"
    dup = "# BEGIN cclink test-proxy\nold\n# END cclink test-proxy\n"
    hosts.write_text("a\n" + dup + "b\n" + dup + "c\n")
    sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    assert hosts.read_text() == ("a\n" + sidecar.read("hosts-linux.txt")
                                 + "b\nc\n")


def test_apply_follows_a_symlink_target_not_the_link(sidecar, tmp_path):
    real = tmp_path / "real-hosts"
    real.write_text("127.0.0.1 localhost\n")
    link = tmp_path / "hosts"
    link.symlink_to(real)
    r = sidecar.run("hosts", "apply", "--file", str(link))
    # a symlink is not a regular file: refused, nothing changed
    assert r.returncode == 1
    assert real.read_text() == "127.0.0.1 localhost\n"
    assert link.is_symlink()


def test_two_proxies_share_one_hosts_file(sidecar, tmp_path, sim_api):
    other = Sidecar(tmp_path / "other", sim_api)
    other.write_config()
    with open(other.conf) as f:
        text = f.read().replace("proxy_name test-proxy", "proxy_name edge-2")
    text = text.replace("proxy_address 203.0.113.10",
                        "proxy_address 198.51.100.20")
    with open(other.conf, "w") as f:
        f.write(text)
    other.run("once", check=0)

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    other.run("hosts", "apply", "--file", str(hosts), check=0)
    sidecar.run("hosts", "apply", "--file", str(hosts), check=0)
    text = hosts.read_text()
    assert text == ("127.0.0.1 localhost\n" + sidecar.read("hosts-linux.txt")
                    + other.read("hosts-linux.txt"))
