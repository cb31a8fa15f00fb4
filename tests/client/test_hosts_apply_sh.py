"""hosts-apply.sh, the POSIX sh hosts editor, on the shared case table.

tests/sidecar/unit/hosts_cases is the table the C editor passes too
(tests/sidecar/test_client.c); the script run here is
tests/sidecar/unit/golden/hosts-apply.sh, which that C test checks is exactly
what cclink-sidecar generates for the table's BLOCK. Every case runs under
dash, bash --posix and busybox sh.
"""

import os
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CASES = os.path.join(ROOT, "tests", "sidecar", "unit", "hosts_cases")
SCRIPT = os.path.join(ROOT, "tests", "sidecar", "unit", "golden",
                      "hosts-apply.sh")

SHELLS = {
    "dash": ["dash"],
    "bash-posix": ["bash", "--posix"],
    "busybox": ["busybox", "sh"],
}


def case_names():
    return sorted(d for d in os.listdir(CASES)
                  if os.path.isdir(os.path.join(CASES, d)))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def run(shell, *args, check=False):
    p = subprocess.run(SHELLS[shell] + [SCRIPT] + list(args),
                       capture_output=True, timeout=30)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(params=sorted(SHELLS))
def shell(request):
    if shutil.which(SHELLS[request.param][0]) is None:
        pytest.skip("%s is not installed (tools/deps.d)" % request.param)
    return request.param


def test_table_is_not_empty():
    assert len(case_names()) >= 20


@pytest.mark.parametrize("case", case_names())
def test_case(shell, case, tmp_path):
    d = os.path.join(CASES, case)
    op = read(os.path.join(d, "op")).decode().split()
    path = str(tmp_path / "hosts")
    before = None
    if os.path.exists(os.path.join(d, "input")):
        before = read(os.path.join(d, "input"))
        with open(path, "wb") as f:
            f.write(before)

    args = ["--file", path]
    if op[0] == "remove":
        args.append("--remove")
    args += op[1:]
    p = run(shell, *args)

    if os.path.exists(os.path.join(d, "refused")):
        line = read(os.path.join(d, "refused")).decode().strip()
        assert p.returncode != 0
        assert (":%s: " % line).encode() in p.stderr, p.stderr
        assert b"nothing was changed" in p.stderr
        assert read(path) == before
        assert not os.path.exists(path + ".cclink-backup")
    else:
        assert p.returncode == 0, p.stderr
        assert read(path) == read(os.path.join(d, "expected"))
        # one line says what happened
        assert len(p.stdout.splitlines()) == 1, p.stdout
        if before is not None and before != read(path):
            assert read(path + ".cclink-backup") == before
    # no temporary file is left behind
    assert sorted(os.listdir(tmp_path)) in (
        [], ["hosts"], ["hosts", "hosts.cclink-backup"])


def test_idempotent(shell, tmp_path):
    path = str(tmp_path / "hosts")
    original = b"127.0.0.1 localhost\n10.0.0.1 caf\xe9 \xff\n"
    with open(path, "wb") as f:
        f.write(original)
    first = run(shell, "--file", path, check=True)
    assert b" replaced: " in first.stdout
    after = read(path)
    st = os.stat(path)
    second = run(shell, "--file", path, check=True)
    assert b"already up to date" in second.stdout
    assert read(path) == after
    assert os.stat(path).st_ino == st.st_ino     # not even rewritten
    # the backup is still the original, not the applied file
    assert read(path + ".cclink-backup") == original
    run(shell, "--file", path, "--remove", check=True)
    assert read(path) == original


def test_dry_run(shell, tmp_path):
    path = str(tmp_path / "hosts")
    with open(path, "wb") as f:
        f.write(b"127.0.0.1 localhost\n")
    p = run(shell, "--file", path, "--dry-run", check=True)
    out = p.stdout.decode()
    assert "--- %s" % path in out
    assert "+# BEGIN cclink edge-1" in out
    assert "nothing was written" in out.splitlines()[-1]
    assert read(path) == b"127.0.0.1 localhost\n"
    assert os.listdir(tmp_path) == ["hosts"]


def test_read_only_file(shell, tmp_path):
    """A user who may not write the file or its directory: refused, the
    file untouched, nothing left behind."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as another user")
    # pytest's own directories are private to root: one others can reach
    d = tempfile.mkdtemp(prefix="cclink-ro-%d-" % os.getpid(), dir="/tmp")
    try:
        os.chmod(d, 0o755)
        path = os.path.join(d, "hosts")
        with open(path, "wb") as f:
            f.write(b"127.0.0.1 localhost\n")
        os.chmod(path, 0o644)
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                            "--clear-groups"] + SHELLS[shell]
                           + [SCRIPT, "--file", path],
                           capture_output=True, timeout=30,
                           env=dict(os.environ, TMPDIR="/tmp"))
        assert p.returncode != 0
        assert b"nothing was changed" in p.stderr, p.stderr
        assert read(path) == b"127.0.0.1 localhost\n"
        assert os.listdir(d) == ["hosts"]
    finally:
        shutil.rmtree(d)


def test_backup_symlink_not_followed(shell, tmp_path):
    path = str(tmp_path / "hosts")
    victim = str(tmp_path / "victim")
    with open(path, "wb") as f:
        f.write(b"127.0.0.1 localhost\n")
    with open(victim, "wb") as f:
        f.write(b"keep\n")
    os.symlink(victim, path + ".cclink-backup")
    run(shell, "--file", path, check=True)
    assert read(victim) == b"keep\n"
    assert not os.path.islink(path + ".cclink-backup")
    assert read(path + ".cclink-backup") == b"127.0.0.1 localhost\n"


def test_bind_mounted_file_rewritten_in_place(shell, tmp_path):
    """A bind-mounted hosts file (as in containers) cannot be renamed
    over: the script rewrites it in place and says so."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private bind mount")
    etc = tmp_path / "etc"
    etc.mkdir()
    path = str(etc / "hosts")
    real = str(tmp_path / "real-hosts")
    with open(path, "wb") as f:
        f.write(b"")
    with open(real, "wb") as f:
        f.write(b"127.0.0.1 localhost\n")
    inner = "mount --bind %s %s && exec %s %s --file %s" % (
        real, path, " ".join(SHELLS[shell]), SCRIPT, path)
    p = subprocess.run(["unshare", "-m", "--propagation", "private",
                        "sh", "-c", inner], capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert b"rewritten in place" in p.stdout
    assert read(real).startswith(b"127.0.0.1 localhost\n# BEGIN cclink")


def test_usage_error(shell):
    p = run(shell, "--bogus")
    assert p.returncode == 64
    assert b"unknown option" in p.stderr


def test_shellcheck_clean():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (tools/deps.d)")
    p = subprocess.run(["shellcheck", "--shell=sh", SCRIPT],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stdout.decode()


def test_backup_takes_the_owner_of_the_hosts_file(shell, tmp_path):
    """An earlier backup owned by someone else does not hand the new
    backup to them."""
    if os.geteuid() != 0:
        pytest.skip("needs root to chown")
    path = str(tmp_path / "hosts")
    with open(path, "wb") as f:
        f.write(b"127.0.0.1 localhost\n")
    os.chmod(path, 0o644)
    with open(path + ".cclink-backup", "wb") as f:
        f.write(b"old\n")
    os.chmod(path + ".cclink-backup", 0o666)
    os.chown(path + ".cclink-backup", 65534, 65534)
    run(shell, "--file", path, check=True)
    st = os.stat(path + ".cclink-backup")
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, 0, 0o644)
    assert read(path + ".cclink-backup") == b"127.0.0.1 localhost\n"
