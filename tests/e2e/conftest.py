"""Fixtures of the end-to-end tests: the whole stack of stack.py, per test
module and per proxy mode ("module": nginx with ngx_cclink_module;
"stock": the distribution's nginx with the sidecar's include).

Everything runs under one directory per session (CCLINK_E2E_DIR, else a
fresh /tmp/cclink-e2e-*), removed at the end unless CCLINK_E2E_KEEP=1 or
a test failed; its path is printed in the summary. Screenshots go to
tests/artifacts/ (git-ignored).
"""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import stack  # noqa: E402


def _why_not():
    if os.geteuid() != 0:
        return "needs root: proxies listen on 443 and 9092, clients run " \
               "in a private mount namespace"
    if subprocess.run(["unshare", "--mount", "true"],
                      capture_output=True).returncode != 0:
        return "unshare --mount does not work here"
    for tool in ("kcat", "curl", "openssl", stack.NGINX):
        if not shutil.which(tool):
            return "%s is not installed (make deps)" % tool
    missing = stack.build_missing()
    if missing:
        return "not built: make %s" % " ".join(missing)
    return None


REASON = _why_not()


def pytest_collection_modifyitems(config, items):
    if REASON is None:
        return
    mark = pytest.mark.skip(reason=REASON)
    for item in items:
        item.add_marker(mark)


_failed = []


def pytest_runtest_logreport(report):
    if report.failed:
        _failed.append(report.nodeid)


@pytest.fixture(scope="session")
def e2e_dir():
    given = os.environ.get("CCLINK_E2E_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        d = os.path.abspath(given)
    else:
        d = tempfile.mkdtemp(prefix="cclink-e2e-")
    os.chmod(d, 0o755)              # nginx workers read files below it
    yield d
    if given or _failed or os.environ.get("CCLINK_E2E_KEEP"):
        _kept.append(d)
    else:
        shutil.rmtree(d, ignore_errors=True)


_kept = []


def pytest_terminal_summary(terminalreporter):
    for d in _kept:
        terminalreporter.write_line("e2e: files (logs, generated files) "
                                    "kept in %s" % d)


@pytest.fixture(scope="module", params=["module", "stock"])
def mode(request):
    return request.param
