"""tools/checksrc.py finds each rule's breach, and only breaches."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHECKSRC = os.path.join(ROOT, "tools", "checksrc.py")

CLEAN = """\
/*
 * A file that keeps every rule.
 */

static int
f(int a)
{
    int  x;                     /* a note after code may go on
                                   over aligned lines */

    x = g(a);

    if (x == 1 && a <= 2 && a >= 0 && a != 3) {
        return snprintf(buf, 4, "%d = %s", x, "strcpy(");
    }

    for (x = 0; x < 3; x++) {
        a += x;
    }

    return obj.gets + p->atoi;
}
"""

BREACHES = [
    ("long-line", "int  x;" + " " * 80 + "/* */\n"),
    ("tab", "int\tx;\n"),
    ("trailing-space", "int x; \n"),
    ("banned", "void f(void) { sprintf(b, \"x\"); }\n"),
    ("banned", "void f(void) { strcat(b, c); }\n"),
    ("banned", "void f(void) { n = atoi(s); }\n"),
    ("banned", "void f(void) { strtok(s, \",\"); }\n"),
    ("assign-cond", "void f(void) { if ((x = g()) != 0) { } }\n"),
    ("assign-cond", "void f(void) { while (x = g()) { } }\n"),
    ("assign-cond", "void f(void) { for (i = 0; i = 1; i++) { } }\n"),
    ("comment", "/* opens with text\n * and goes on\n */\n"),
    ("comment", "/*\n * closes with text */\n"),
    ("eof", "int x;"),
    ("eof", "int x;\n\n"),
]


def run(tmp_path, text):
    p = tmp_path / "t.c"
    p.write_text(text)
    return subprocess.run([sys.executable, CHECKSRC, str(p)],
                          capture_output=True, text=True)


def test_clean_file_passes(tmp_path):
    r = run(tmp_path, CLEAN)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("rule,text", BREACHES)
def test_breach_found(tmp_path, rule, text):
    r = run(tmp_path, text)
    assert r.returncode == 1
    assert (": %s: " % rule) in r.stdout, r.stdout


def test_allow_comment(tmp_path):
    r = run(tmp_path, "void f(void) { sprintf(b, \"x\"); }"
                      "  /* checksrc: allow banned */\n")
    assert r.returncode == 0, r.stdout


def test_tree_is_clean():
    r = subprocess.run([sys.executable, CHECKSRC], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
