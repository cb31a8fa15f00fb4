#!/usr/bin/python3
"""cclink-sidecar `once` under valgrind against the Confluent Cloud
simulator: no memory errors and no definite or indirect leaks.

    sidecar_valgrind.py [--workdir DIR]

Runs: a clean discovery; the same again with nothing changed; one with
API faults (503 with retries, a closed connection, a truncated and a
malformed body, a failing page), which go through the error paths; and
one with a wrong API key. Each under

    valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
             --error-exitcode=99

Exit status 0 when every run is clean, 1 otherwise (the valgrind log of a
failing run is printed).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from sim import harness                            # noqa: E402
from lib import sidecar as sh                     # noqa: E402

VALGRIND = ["valgrind", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=99", "--num-callers=30"]

RUNS = [
    # name, faults, expected exit statuses of `once`
    ("clean", [], (0,)),
    ("unchanged", [], (0,)),
    ("faults", [
        {"path": "/networking/*", "kind": "status", "status": 503,
         "count": 2},
        {"path": "/endpoint/v1/endpoints", "kind": "close", "count": 1},
        {"path": "/networking/v1/*", "kind": "truncate", "count": 1,
         "skip": 3},
        {"path": "/networking/v1/*", "kind": "malformed", "count": 1,
         "skip": 5},
        {"path": "/endpoint/v1/endpoints", "kind": "page_fail", "page": 2,
         "status": 500, "count": 1},
        {"path": "/srcm/v3/clusters", "kind": "status", "status": 429,
         "retry_after": 1, "count": 1},
    ], (0, 1, 2, 3)),
    ("faults-hard", [
        {"path": "/endpoint/v1/endpoints", "kind": "status", "status": 500,
         "count": -1},
    ], (0, 1, 2, 3)),
    ("bad-key", [], (0, 1, 2, 3)),
]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("sidecar-valgrind: valgrind is not installed (make deps)")
        return 2
    if not sh.have_binary():
        print("sidecar-valgrind: missing %s (make sidecar)" % sh.BINARY)
        return 2
    wd = args.workdir or tempfile.mkdtemp(prefix="cclink-valgrind-")
    os.makedirs(wd, exist_ok=True)
    failed = []
    api = harness.start_api(os.path.join(wd, "sim"))
    try:
        sc = sh.Sidecar(os.path.join(wd, "sidecar"), api)
        sc.write_config(http=("http_retries 3", "retry_backoff 100ms 1s",
                              "http_timeout 20s"))
        for name, faults, ok_status in RUNS:
            api.clear_faults()
            if faults:
                api.admin("POST", "faults", faults)
            env = sc.env(secret="wrong-secret") if name == "bad-key" \
                else sc.env()
            vlog = os.path.join(wd, "valgrind-%s.log" % name)
            argv = VALGRIND + ["--log-file=" + vlog, sh.BINARY,
                               "--config", sc.conf, "once"]
            r = subprocess.run(argv, env=env, capture_output=True, text=True,
                               timeout=600)
            if faults:
                # faults still listed are those not used up
                left = api.faults()
                print("sidecar-valgrind: %-9s faults left (unused or "
                      "partly used): %s" % (name, [
                          (f.get("kind"), f.get("path"), f.get("applied"))
                          for f in left]))
            with open(vlog) as f:
                text = f.read()
            m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
            errs = int(m.group(1)) if m else -1
            leaks = {k: int(v.replace(",", "")) for k, v in re.findall(
                r"(definitely|indirectly) lost: ([\d,]+) bytes", text)}
            print("sidecar-valgrind: %-9s exit %d, valgrind errors %d, "
                  "definitely lost %d B, indirectly lost %d B"
                  % (name, r.returncode, errs, leaks.get("definitely", 0),
                     leaks.get("indirectly", 0)))
            if r.returncode == 99 or errs != 0 or r.returncode not in \
                    ok_status:
                failed.append(name)
                print(text[-20000:])
                print(r.stdout[-2000:], r.stderr[-4000:])
    finally:
        api.stop()
    if failed:
        print("sidecar-valgrind: FAIL (%s; %s)" % (", ".join(failed), wd))
        return 1
    print("sidecar-valgrind: PASS (%s)" % wd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
