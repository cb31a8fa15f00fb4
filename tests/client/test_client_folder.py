"""The client folder cclink-sidecar keeps for laptops (ccl_client.h):
every file there, published as one generation by a symlink swap,
unchanged when the plan is, and the DNS setup files derived from the
route table."""

import os
import subprocess
import sys

import pytest

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TESTS)
from sim.fixtures import *  # noqa: E402,F401,F403
from lib.sidecar import BINARY, Sidecar, have_binary  # noqa: E402

pytestmark = pytest.mark.skipif(not have_binary(),
                                reason="%s not built (make sidecar)" % BINARY)

FILES = sorted([
    "index.html", "hosts-linux.txt", "hosts-windows.txt", "hosts-apply.sh",
    "hosts-apply.ps1", "dns-zones.txt", "macos-resolver.conf",
    "macos-resolver.sh", "linux-resolved.conf", "linux-dns.sh",
    "networkmanager-dnsmasq.conf", "windows-nrpt.ps1", "company-bind.conf",
    "company-unbound.conf", "company-dnsmasq.conf"])


@pytest.fixture
def sidecar(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config(extra="client_url http://proxy.example:8080/cclink/"
                          "client/\n")
    sc.run("once", check=0)
    return sc


def client(sc, name=""):
    return os.path.join(sc.out, "client", "current", name)


def test_folder_holds_every_file(sidecar):
    link = client(sidecar).rstrip("/")
    assert os.path.islink(link)
    assert sorted(os.listdir(link)) == FILES
    # the hosts files are the very ones written beside the route table
    for name in ("hosts-linux.txt", "hosts-windows.txt", "hosts-apply.ps1",
                 "hosts-apply.sh"):
        with open(client(sidecar, name), "rb") as f:
            assert f.read() == sidecar.read(name, "rb"), name
    sh = open(client(sidecar, "hosts-apply.sh")).read()
    assert sidecar.read("hosts-linux.txt") in sh
    # readable by nginx's workers
    assert os.stat(link).st_mode & 0o755 == 0o755
    assert os.stat(client(sidecar, "index.html")).st_mode & 0o777 == 0o644


def test_index_lists_files_and_commands(sidecar):
    html = open(client(sidecar, "index.html")).read()
    for name in FILES:
        if name != "index.html":
            assert '<a href="%s">' % name in html
    assert ("curl -fsSO http://proxy.example:8080/cclink/client/"
            "hosts-apply.sh &amp;&amp; less hosts-apply.sh &amp;&amp; "
            "sudo sh hosts-apply.sh") in html
    assert "Invoke-WebRequest -UseBasicParsing http://proxy.example:8080/" \
        "cclink/client/hosts-apply.ps1" in html


def test_unchanged_plan_keeps_the_generation(sidecar):
    link = client(sidecar).rstrip("/")
    gen = os.readlink(link)
    sidecar.run("once", check=0)
    assert os.readlink(link) == gen


def test_changed_plan_swaps_the_generation(sidecar):
    link = client(sidecar).rstrip("/")
    gen = os.readlink(link)
    # another DNS port changes the DNS files: a new generation
    sidecar.write_config(extra="client_dns_port 5353\n")
    sidecar.run("once", check=0)
    gen2 = os.readlink(link)
    assert gen2 != gen
    assert "port 5353\n" in open(
        client(sidecar, "macos-resolver.conf")).read()
    # the previous generation stays for downloads in flight; older go
    parent = os.path.dirname(link)
    gens = sorted(d for d in os.listdir(parent) if d.startswith(".current."))
    assert gens == sorted([gen, gen2])
    sidecar.write_config(extra="client_dns_port 5354\n")
    sidecar.run("once", check=0)
    gens = sorted(d for d in os.listdir(parent) if d.startswith(".current."))
    assert gen not in gens and gen2 in gens and len(gens) == 2


def test_a_real_directory_is_not_replaced(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config()
    os.makedirs(os.path.join(sc.out, "client", "current"))
    with open(os.path.join(sc.out, "client", "current", "mine"), "w") as f:
        f.write("admin's file\n")
    r = sc.run("once", check=0)
    assert "event=client_error" in r.stderr
    assert os.listdir(os.path.join(sc.out, "client")) == ["current"]
    assert os.listdir(os.path.join(sc.out, "client", "current")) == ["mine"]


def test_output_dir_keeps_no_hidden_files(sidecar):
    """The generations live inside client_dir: output_dir holds no
    temporary-looking names (other tests check that)."""
    sidecar.write_config(extra="client_dns_port 5353\n")
    sidecar.run("once", check=0)
    assert [n for n in os.listdir(sidecar.out) if n.startswith(".")] == \
        [".cclink-sidecar.lock"]
    assert sorted(os.listdir(os.path.join(sidecar.out, "client")))[-1] == \
        "current"


def test_folder_off(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config(extra="client_dir off\n")
    sc.run("once", check=0)
    assert not os.path.lexists(os.path.join(sc.out, "client"))


def test_zones_cover_every_routed_name(sidecar):
    """Every exact, wildcard and regex route lies in one of the zones, and
    no zone lies inside another."""
    zones = [z for z in open(client(sidecar, "dns-zones.txt")).read()
             .splitlines() if z and not z.startswith("#")]
    assert zones
    for z in zones:
        assert not any(z.endswith("." + o) for o in zones if o != z), z
    keys = [line.split()[1] for line in sidecar.routes().splitlines()
            if line.startswith("route ")] if isinstance(
                sidecar.routes(), str) else [k for k in sidecar.routes()]
    assert keys
    for k in keys:
        name = k.lstrip("~^*.").rstrip("$").replace("\\.", ".").lower()
        assert any(name == z or name.endswith("." + z) for z in zones), k


def test_shell_scripts_are_shellcheck_clean(sidecar):
    for name in ("hosts-apply.sh", "macos-resolver.sh", "linux-dns.sh"):
        p = subprocess.run(["shellcheck", "--shell=sh",
                            client(sidecar, name)],
                           capture_output=True, timeout=60)
        assert p.returncode == 0, (name, p.stdout.decode())


def test_config_refuses_an_unsafe_url(tmp_path, sim_api):
    sc = Sidecar(tmp_path / "sidecar", sim_api)
    sc.write_config(extra="client_url http://x/$(reboot)\n")
    r = sc.run("once")
    assert r.returncode != 0
    assert "option=client_url" in r.stderr


def test_hosts_apply_replace_name_and_remove(sidecar, tmp_path):
    """proxy_name changed: "hosts apply --replace-name OLD" takes the old
    block out as it puts the new one in; --remove takes it out again."""
    hosts = tmp_path / "hosts"
    original = b"127.0.0.1 localhost\n"
    old = (b"# BEGIN cclink old-name\n203.0.113.10 stale.confluent.cloud\n"
           b"# END cclink old-name\n")
    hosts.write_bytes(original + old)
    r = sidecar.run("hosts", "apply", "--file", str(hosts), "--replace-name",
                    "old-name")
    assert r.returncode == 0, r.stderr
    block = sidecar.read("hosts-linux.txt").encode()
    assert hosts.read_bytes() == original + block
    r = sidecar.run("hosts", "apply", "--file", str(hosts), "--remove")
    assert r.returncode == 0, r.stderr
    assert hosts.read_bytes() == original


def test_hosts_print_sh_is_the_served_script(sidecar):
    r = sidecar.run("hosts", "print", "--format", "sh", check=0,
                    binary=True)
    with open(client(sidecar, "hosts-apply.sh"), "rb") as f:
        assert r.stdout == f.read()
    assert sidecar.run("hosts", "apply", "--format", "sh", "--file",
                       "/dev/null").returncode == 64
