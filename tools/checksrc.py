#!/usr/bin/env python3
"""checksrc: cclink's own style check for its C sources.

Checks each file named (or, with no arguments, every .c and .h file of
ngx_cclink_module/, sidecar/, tests/module/unit/, tests/sidecar/unit/,
tests/lib/ and tests/fuzz/)
for the rules of STYLE.md that a machine can check:

  long-line      a line over 80 columns
  tab            a tab character
  trailing-space a line ending in blanks
  banned         a call of sprintf, vsprintf, strcpy, strcat, strncat,
                 gets, strtok or atoi
  assign-cond    an assignment inside the condition of if, while or
                 "for"'s test: write the assignment first, then test it
  comment        a block comment of several lines whose opening or
                 closing delimiter shares its line with text (a note
                 after code on its line may go on over aligned lines)
  eof            a file that does not end in exactly one newline

Prints "file:line: rule: what" for each finding and exits with 1 when
there is one, 0 otherwise. A line may carry the comment
"/* checksrc: allow RULE */" to accept a finding there, with a reason
nearby.
"""

import os
import re
import sys

MAX_COLS = 80
DIRS = ("ngx_cclink_module", "sidecar", "tests/module/unit",
        "tests/sidecar/unit", "tests/lib", "tests/fuzz")
BANNED = ("sprintf", "vsprintf", "strcpy", "strcat", "strncat", "gets",
          "strtok", "atoi")
BANNED_RE = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")
ALLOW_RE = re.compile(r"/\* checksrc: allow ([a-z-]+) \*/")


def blank_literals(text):
    """The text with the contents of comments, strings and character
    literals replaced by blanks (newlines kept), so that the checks of
    code see code only. Returns (code, comments) where comments is a
    list of (start line, end line, first line text, last line text)."""
    out = []
    comments = []
    i = 0
    n = len(text)
    line = 1
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            body = text[i:j]
            nl = body.count("\n")
            comments.append((line, line + nl, i, j))
            out.append("".join("\n" if ch == "\n" else " " for ch in body))
            line += nl
            i = j
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + (c if j - i >= 2 else ""))
            i = j
            continue
        if c == "\n":
            line += 1
        out.append(c)
        i += 1
    return "".join(out), comments


def condition_spans(code):
    """(offset, text) of the parenthesised condition of each if, while
    and switch, and of the test part of each for."""
    for m in re.finditer(r"\b(if|while|switch|for)\s*\(", code):
        start = m.end()
        depth = 1
        j = start
        while j < len(code) and depth:
            if code[j] == "(":
                depth += 1
            elif code[j] == ")":
                depth -= 1
            j += 1
        inner = code[start:j - 1]
        if m.group(1) == "for":
            parts = inner.split(";")
            if len(parts) != 3:
                continue
            yield start + len(parts[0]) + 1, parts[1]
        else:
            yield start, inner


ASSIGN_RE = re.compile(r"(?<![=!<>+\-*/%&|^])=(?!=)")


def check(path):
    findings = []
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ["%s:1: encoding: not UTF-8" % path]

    lines = text.split("\n")

    def allowed(lineno, rule):
        if 1 <= lineno <= len(lines):
            m = ALLOW_RE.search(lines[lineno - 1])
            return m is not None and m.group(1) == rule
        return False

    def report(lineno, rule, what):
        if not allowed(lineno, rule):
            findings.append("%s:%d: %s: %s" % (path, lineno, rule, what))

    for no, ln in enumerate(lines, 1):
        if "\t" in ln:
            report(no, "tab", "tab character")
        if len(ln) > MAX_COLS:
            report(no, "long-line", "%d columns" % len(ln))
        if ln != ln.rstrip(" \t\r"):
            report(no, "trailing-space", "blanks at the end of the line")

    if not raw.endswith(b"\n"):
        report(len(lines), "eof", "no newline at the end of the file")
    elif raw.endswith(b"\n\n"):
        report(len(lines) - 1, "eof", "blank lines at the end of the file")

    code, comments = blank_literals(text)

    for start_line, end_line, i, j in comments:
        if start_line == end_line:
            continue
        first = text[i:text.find("\n", i)]
        last_nl = text.rfind("\n", 0, j)
        last = text[last_nl + 1:j]
        line_start = text.rfind("\n", 0, i) + 1
        before = text[line_start:i]
        if before.strip():
            # a comment after code on its line (a field's or a value's
            # note) may go on over the next lines, aligned
            continue
        if first.strip() != "/*":
            report(start_line, "comment",
                   "a comment of several lines opens with text on its line")
        if last.strip() != "*/":
            report(end_line, "comment",
                   "a comment of several lines closes with text on its line")

    for m in BANNED_RE.finditer(code):
        no = code.count("\n", 0, m.start()) + 1
        report(no, "banned", "%s()" % m.group(1))

    for off, cond in condition_spans(code):
        for m in ASSIGN_RE.finditer(cond):
            no = code.count("\n", 0, off + m.start()) + 1
            report(no, "assign-cond", "assignment inside a condition")

    return findings


def default_files(root):
    files = []
    for d in DIRS:
        top = os.path.join(root, d)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.endswith((".c", ".h")):
                    files.append(os.path.join(dirpath, fn))
    return files


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = argv[1:] or [os.path.relpath(p) for p in default_files(root)]
    findings = []
    for path in files:
        findings.extend(check(path))
    for f in findings:
        print(f)
    if findings:
        print("checksrc: %d finding(s) in %d file(s)"
              % (len(findings), len(files)), file=sys.stderr)
        return 1
    print("checksrc: %d files clean" % len(files), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
