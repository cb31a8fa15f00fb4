"""macos-resolver.sh and linux-dns.sh (tests/sidecar/unit/golden/dns*, which
the C unit tests check against the renderer), run under dash, bash
--posix and busybox sh against directories of the test's own
(CCLINK_RESOLVER_DIR, CCLINK_RESOLVED_DIR, CCLINK_NM_DIR), never /etc.
windows-nrpt.ps1 is checked as text."""

import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "sidecar", "unit", "golden", "dns")
SHELLS = {"dash": ["dash"], "bash-posix": ["bash", "--posix"],
          "busybox": ["busybox", "sh"]}
ZONES = ["dom1.us-west-2.aws.confluent.cloud",
         "lsrc-1.us-east-1.aws.private.confluent.cloud",
         "us-west-2.aws.glb.confluent.cloud"]


@pytest.fixture(params=sorted(SHELLS))
def shell(request):
    if shutil.which(SHELLS[request.param][0]) is None:
        pytest.skip("%s is not installed (tools/deps.d)" % request.param)
    return SHELLS[request.param]


def run(shell, script, *args, **env):
    e = dict(os.environ, CCLINK_NO_RESTART="1")
    e.update(env)
    return subprocess.run(shell + [os.path.join(GOLDEN, script)]
                          + list(args), capture_output=True, text=True,
                          env=e, timeout=30)


def test_macos_resolver_install_and_remove(shell, tmp_path):
    d = tmp_path / "resolver"
    d.mkdir()
    # a file of the admin's and a stale one of this proxy
    (d / "corp.example.com").write_text("nameserver 10.0.0.53\n")
    (d / "old.confluent.cloud").write_text("# cclink proxy edge-1\n"
                                           "nameserver 192.0.2.1\n")
    r = run(shell, "macos-resolver.sh", CCLINK_RESOLVER_DIR=str(d))
    assert r.returncode == 0, r.stderr
    assert "3 zone files written, 1 removed" in r.stdout
    assert sorted(os.listdir(d)) == sorted(ZONES + ["corp.example.com"])
    conf = open(os.path.join(GOLDEN, "macos-resolver.conf")).read()
    for z in ZONES:
        assert (d / z).read_text() == conf
        assert os.stat(d / z).st_mode & 0o777 == 0o644
    # again: the same files
    r = run(shell, "macos-resolver.sh", CCLINK_RESOLVER_DIR=str(d))
    assert r.returncode == 0 and sorted(os.listdir(d)) == \
        sorted(ZONES + ["corp.example.com"])
    r = run(shell, "macos-resolver.sh", "--remove",
            CCLINK_RESOLVER_DIR=str(d))
    assert r.returncode == 0, r.stderr
    assert "0 zone files written, 3 removed" in r.stdout
    assert os.listdir(d) == ["corp.example.com"]


def test_macos_resolver_leaves_foreign_files(shell, tmp_path):
    d = tmp_path / "resolver"
    d.mkdir()
    (d / ZONES[0]).write_text("nameserver 10.9.9.9\n")
    r = run(shell, "macos-resolver.sh", CCLINK_RESOLVER_DIR=str(d))
    assert r.returncode == 0
    assert "was not written by cclink" in r.stderr
    assert (d / ZONES[0]).read_text() == "nameserver 10.9.9.9\n"


def test_linux_dns_resolved_and_networkmanager(shell, tmp_path):
    rd, nm = tmp_path / "resolved.conf.d", tmp_path / "dnsmasq.d"
    env = {"CCLINK_RESOLVED_DIR": str(rd), "CCLINK_NM_DIR": str(nm)}
    r = run(shell, "linux-dns.sh", **env)
    assert r.returncode == 0, r.stderr
    assert (rd / "cclink-edge-1.conf").read_text() == \
        open(os.path.join(GOLDEN, "linux-resolved.conf")).read()
    text = (rd / "cclink-edge-1.conf").read_text()
    assert "Domains=" + " ".join("~" + z for z in ZONES) in text
    r = run(shell, "linux-dns.sh", "--networkmanager", **env)
    assert r.returncode == 0, r.stderr
    assert (nm / "cclink-edge-1.conf").read_text() == \
        open(os.path.join(GOLDEN, "networkmanager-dnsmasq.conf")).read()
    r = run(shell, "linux-dns.sh", "--remove", **env)
    assert r.returncode == 0 and os.listdir(rd) == []
    r = run(shell, "linux-dns.sh", "--remove", "--networkmanager", **env)
    assert r.returncode == 0 and os.listdir(nm) == []
    assert run(shell, "linux-dns.sh", "--bogus", **env).returncode == 64


def test_scripts_are_shellcheck_clean():
    for name in ("macos-resolver.sh", "linux-dns.sh"):
        p = subprocess.run(["shellcheck", "--shell=sh",
                            os.path.join(GOLDEN, name)],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (name, p.stdout)


def test_nrpt_script_text():
    ps = open(os.path.join(GOLDEN, "windows-nrpt.ps1"), "rb").read() \
        .decode("ascii")
    assert "\n" not in ps.replace("\r\n", "")
    code = [l for l in ps.split("\r\n") if l and not l.startswith("#")]
    assert code[0] == "param([switch]$Remove)"
    listed = re.findall(r"^    '([^']+)',?\r$", ps, re.M)
    assert listed == ZONES
    # suffix and zone itself, only to the proxy's server, tagged to remove
    assert ('Add-DnsClientNrptRule -Namespace @(".$zone", $zone) '
            '-NameServers $server -Comment $comment') in ps
    assert "Where-Object { $_.Comment -eq $comment }" in ps
    assert "Remove-DnsClientNrptRule -Name $rule.Name -Force" in ps
    assert "$server = '203.0.113.10'" in ps
    port = open(os.path.join(GOLDEN + "-port", "windows-nrpt.ps1")).read()
    assert "$port = 5353" in port and "cannot name a port" in port
