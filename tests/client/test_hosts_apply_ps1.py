"""hosts-apply.ps1 (no PowerShell here: the generated text is checked).

tests/sidecar/unit/golden/hosts-apply.ps1 is what cclink-sidecar generates
(the C unit tests compare it with the renderer). The script must read and
write the hosts file as bytes (no re-encoding of other lines), find its
markers as the C editor does (whole lines, trailing blanks and the CR
ignored, case-sensitive), and split the file into lines so that joining
them gives back every byte.
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "sidecar", "unit", "golden")
CASES = os.path.join(ROOT, "tests", "sidecar", "unit", "hosts_cases")


def script(name="hosts-apply.ps1"):
    with open(os.path.join(GOLDEN, name), "rb") as f:
        return f.read().decode("ascii")


def c_is_marker(line, marker):
    """ccl_hosts_is_marker(): trailing CR, blanks and tabs ignored."""
    return line.rstrip("\r \t") == marker


def test_reads_and_writes_bytes():
    ps = script()
    assert "[System.IO.File]::ReadAllBytes($hostsPath)" in ps
    assert "[System.IO.File]::WriteAllBytes($tmp, $latin1.GetBytes($new))" \
        in ps
    assert "[System.Text.Encoding]::GetEncoding(28591)" in ps
    assert "$latin1.GetString($bytes)" in ps
    # nothing that decodes or re-encodes text on its own
    for bad in ("Get-Content", "Set-Content", "Out-File", "WriteAllText",
                "ReadAllText", "Encoding]::ASCII", "Encoding]::UTF8"):
        assert bad not in ps, bad


def test_crlf_only_and_param_first():
    ps = script()
    assert "\n" not in ps.replace("\r\n", "")
    code = [l for l in ps.split("\r\n") if l and not l.startswith("#")]
    assert code[0].startswith("param([switch]$Remove, [string]$ReplaceName")


def marker_regexes(ps, name):
    m = re.search(r"\$beginRe = '(\^# BEGIN cclink )' \+ \$esc \+ "
                  r"'([^']*)'\r\n", ps)
    e = re.search(r"\$endRe = '(\^# END cclink )' \+ \$esc \+ "
                  r"'([^']*)'\r\n", ps)
    assert m and e, "marker regexes not found"
    # .NET and Python agree on this subset: literals, [ \t]*, \r?, ^, $
    return (re.compile(m.group(1) + re.escape(name) + m.group(2)),
            re.compile(e.group(1) + re.escape(name) + e.group(2)))


def test_markers_match_as_the_c_editor_does():
    ps = script()
    assert "$bare -cmatch $beginRe" in ps and "$bare -cmatch $endRe" in ps
    begin_re, end_re = marker_regexes(ps, "edge-1")
    lines = set()
    for case in os.listdir(CASES):
        p = os.path.join(CASES, case, "input")
        if os.path.exists(p):
            with open(p, "rb") as f:
                lines.update(f.read().decode("latin-1").split("\n"))
    for base in ("# BEGIN cclink edge-1", "# END cclink edge-1"):
        for tail in ("", " ", "\t", " \t \r", "\r", "x", " x", "0"):
            lines.add(base + tail)
            lines.add(base.lower() + tail)
            lines.add(" " + base + tail)
    assert len(lines) > 40
    for line in lines:
        assert bool(begin_re.search(line)) == \
            c_is_marker(line, "# BEGIN cclink edge-1"), repr(line)
        assert bool(end_re.search(line)) == \
            c_is_marker(line, "# END cclink edge-1"), repr(line)


def test_proxy_name_is_escaped_in_the_regex():
    ps = script()
    assert "$esc = [regex]::Escape($proxy)" in ps
    # "edge.1" must not match "edgex1"
    begin_re, _ = marker_regexes(ps, "edge.1")
    assert not begin_re.search("# BEGIN cclink edgex1")


def test_line_split_keeps_every_byte():
    ps = script()
    m = re.search(r"\[regex\]::Matches\(\$text, '([^']*)'\)", ps)
    assert m
    split = re.compile(m.group(1))
    for case in os.listdir(CASES):
        p = os.path.join(CASES, case, "input")
        if not os.path.exists(p):
            continue
        with open(p, "rb") as f:
            text = f.read().decode("latin-1")
        parts = split.findall(text)
        assert "".join(parts) == text, case
        assert all(x.endswith("\n") for x in parts[:-1]), case


def test_remove_and_replace_name():
    ps = script()
    assert "$new = Edit-Hosts $mid $name $Remove.IsPresent" in ps
    assert "$mid = Edit-Hosts $old $ReplaceName $true" in ps
    # refusals name the line and come before anything is written
    refusal = ps.index("BEGIN marker without END")
    assert refusal < ps.index("WriteAllBytes")
    assert "${hostsPath}:${lineNo}: BEGIN marker inside a block" in ps
