"""Summaries, ratios, targets and the Markdown report of a benchmark run.

summarise(results) adds to each scenario and contender:
    "summary": {metric: {median, min, max, n}}
    "ratio_to_nginx": {metric: {median, min, max, n, runs: [...]}}
and to results: "targets": [...], the issue's targets checked against
this run's ratios.
"""

import statistics

from bench_scenarios import METRICS

ORDER = ["direct", "nginx", "haproxy", "haproxy-splice", "cclink",
         "cclink-proxy"]

ROWS = {
    "bulk-1": ["gbit_s", "cpu_ms_per_gb"],
    "bulk-4": ["gbit_s", "cpu_ms_per_gb"],
    "conn-rate": ["conn_s", "cpu_us_per_conn"],
    "conn-rate-pq": ["conn_s", "cpu_us_per_conn"],
    "conn-rate-rst": ["conn_s", "cpu_us_per_conn"],
    "latency": ["rtt_p50_us", "rtt_p99_us"],
    "memory": ["kib_per_conn_hello", "kib_per_conn_data"],
    "routes-100k": ["conn_s", "cpu_us_per_conn"],
    "hot-change": ["live_ms_p50", "live_ms_max", "broken", "new_failed",
                   "processes_after", "rss_after_mib", "worker_crashes"],
}

BEGIN = "<!-- bench-results:begin -->"
END = "<!-- bench-results:end -->"


def _summary(values):
    vals = [v for v in values if isinstance(v, (int, float))]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


def _ok_runs(entry):
    return [r for r in entry["runs"] if "error" not in r]


def _by_run(entry, metric):
    return {r["run"]: r.get(metric) for r in _ok_runs(entry)}


def _ratio_runs(a, b, metric):
    """a[metric] / b[metric], pair by pair over the runs both have."""
    ra, rb = _by_run(a, metric), _by_run(b, metric)
    out = []
    for run in sorted(set(ra) & set(rb)):
        x, y = ra[run], rb[run]
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) \
                and y != 0:
            out.append(x / y)
    return out


def summarise(results):
    for sname, sc in results["scenarios"].items():
        cont = sc["contenders"]
        for cname, entry in cont.items():
            metrics = set()
            for r in _ok_runs(entry):
                metrics.update(k for k, v in r.items()
                               if k in METRICS and v is not None)
            entry["summary"] = {m: _summary([r.get(m) for r in
                                             _ok_runs(entry)])
                                for m in sorted(metrics)}
        base = cont.get("nginx")
        for cname, entry in cont.items():
            if base is None or cname == "nginx":
                continue
            entry["ratio_to_nginx"] = {}
            for m in entry["summary"]:
                runs = _ratio_runs(entry, base, m)
                s = _summary(runs)
                if s:
                    s["runs"] = [round(x, 4) for x in runs]
                    entry["ratio_to_nginx"][m] = s
    results["targets"] = targets(results)


def _ratio(results, scen, cname, metric, base="nginx", base_scen=None):
    sc = results["scenarios"].get(scen)
    bsc = results["scenarios"].get(base_scen or scen)
    if not sc or not bsc:
        return None
    a = sc["contenders"].get(cname)
    b = bsc["contenders"].get(base)
    if not a or not b:
        return None
    runs = _ratio_runs(a, b, metric)
    s = _summary(runs)
    if s:
        s["runs"] = [round(x, 4) for x in runs]
    return s


def _value(results, scen, cname, metric):
    sc = results["scenarios"].get(scen)
    if not sc or cname not in sc["contenders"]:
        return None
    return sc["contenders"][cname].get("summary", {}).get(metric)


def _verdict(s, op, limit):
    if s is None:
        return "not measured"
    good = (lambda v: v >= limit) if op == ">=" else (lambda v: v <= limit)
    if good(s["median"]):
        return "met" if good(s["min"] if op == ">=" else s["max"]) \
            else "met (not in every run)"
    return "not met" if not good(s["max"] if op == ">=" else s["min"]) \
        else "not met (met in some runs)"


def targets(results):
    t = []

    def add(tid, text, s, op, limit, kind="ratio"):
        t.append({"id": tid, "target": text, "op": op, "limit": limit,
                  "kind": kind, "value": s,
                  "verdict": _verdict(s, op, limit)})

    add("conn-rate", "new conn/s, cclink ÷ nginx", _ratio(
        results, "conn-rate", "cclink", "conn_s"), ">=", 1.00)
    add("conn-rate-rst", "new conn/s, clients closing with RST, cclink ÷ "
        "haproxy", _ratio(results, "conn-rate-rst", "cclink", "conn_s",
                          base="haproxy"), ">=", 1.00)
    add("routes-100k", "new conn/s with 100k routes, cclink ÷ cclink "
        "with 10", _ratio(results, "routes-100k", "cclink", "conn_s",
                          base="cclink", base_scen="conn-rate"), ">=", 0.95)
    add("routes-100k-nginx", "new conn/s with 100k routes, cclink ÷ nginx "
        "(100k map)", _ratio(results, "routes-100k", "cclink", "conn_s"),
        ">=", 1.00)
    add("bulk-1", "bulk 1 stream, cclink ÷ nginx", _ratio(
        results, "bulk-1", "cclink", "gbit_s"), ">=", 1.00)
    add("bulk-4", "bulk 4 streams, cclink ÷ nginx", _ratio(
        results, "bulk-4", "cclink", "gbit_s"), ">=", 1.00)
    add("latency-p99", "relay p99, cclink ÷ nginx", _ratio(
        results, "latency", "cclink", "rtt_p99_us"), "<=", 1.10)
    add("memory-idle", "memory per idle connection, cclink ÷ nginx",
        _ratio(results, "memory", "cclink", "kib_per_conn_hello"),
        "<=", 0.50)
    add("memory-data", "memory per connection after 64 KiB each way, "
        "cclink ÷ nginx", _ratio(results, "memory", "cclink",
                                 "kib_per_conn_data"), "<=", 0.50)
    add("hot-live", "new route live after the file write (max over all "
        "changes), ms", _value(results, "hot-change", "cclink",
                               "live_ms_max"), "<=", 1000, kind="value")
    add("hot-live-median", "new route live after the file write (median), "
        "ms", _value(results, "hot-change", "cclink", "live_ms_p50"),
        "<=", 10, kind="value")
    add("hot-live-vs-reload", "new route live (max), cclink ÷ nginx's "
        "reload (max)", _ratio(results, "hot-change", "cclink",
                               "live_ms_max"), "<=", 0.50)
    add("hot-broken", "connections broken during the changes (long-lived "
        "+ new)", _broken(results), "<=", 0, kind="value")
    add("stretch-splice", "stretch: bulk 4 streams, cclink ÷ "
        "haproxy-splice", _ratio(results, "bulk-4", "cclink", "gbit_s",
                                 base="haproxy-splice"), ">=", 1.00)
    return t


def _broken(results):
    sc = results["scenarios"].get("hot-change")
    if not sc or "cclink" not in sc["contenders"]:
        return None
    runs = [r.get("broken", 0) + r.get("new_failed", 0)
            for r in _ok_runs(sc["contenders"]["cclink"])]
    return _summary(runs)


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, int):
        return "%d" % v
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def cell(s, suffix=""):
    if not s:
        return "–"
    if s["n"] > 1 and s["min"] != s["max"]:
        return "%s%s (%s–%s)" % (fmt(s["median"]), suffix, fmt(s["min"]),
                                 fmt(s["max"]))
    return fmt(s["median"]) + suffix


def rcell(s):
    if not s:
        return "–"
    if s["n"] > 1 and s["min"] != s["max"]:
        return "%.2f× (%.2f–%.2f)" % (s["median"], s["min"], s["max"])
    return "%.2f×" % s["median"]


def brief(entry):
    keys = [k for k in entry if k in METRICS and entry[k] is not None]
    return "  ".join("%s=%s" % (k, fmt(entry[k])) for k in keys[:4])


def _contenders(results):
    seen = set()
    for sc in results["scenarios"].values():
        seen.update(sc["contenders"])
    return ([c for c in ORDER if c in seen] +
            sorted(c for c in seen if c not in ORDER))


def markdown(results):
    m = results["meta"]
    mach = m["machine"]
    v = m["versions"]
    cols = _contenders(results)
    out = []
    out.append("Run of %s, %s s. Machine: %s, %s CPUs, %s GiB, Linux %s, "
               "Debian %s. nginx %s, HAProxy %s." % (
                   m["started"], m["seconds"], mach.get("cpu", "?"),
                   mach.get("cpus"), mach.get("memory_gib"),
                   mach.get("kernel"), mach.get("debian", "?"),
                   v.get("nginx"), v.get("haproxy")))
    out.append("")
    out.append("%s, %d run%s: each figure is the median over the runs "
               "(min–max). %d worker/thread per proxy, %d load generator "
               "thread(s), %d backend thread(s), all on this machine. Load "
               "average %s at the start, %s at the end.%s" % (
                   "Quick run" if m["quick"] else "Full run", m["runs"],
                   "" if m["runs"] == 1 else "s", m["workers"],
                   m["load_threads"], m["backend_threads"],
                   "/".join("%.2f" % x for x in m["loadavg_start"]),
                   "/".join("%.2f" % x for x in m["loadavg_end"]),
                   (" Note: " + m["note"] + ".") if m["note"] else ""))
    if m.get("pins"):
        out.append("")
        out.append("Pinned to CPUs: %s (the load generator is not pinned "
                   "for `direct`)." % ", ".join(
                       "%s %s" % (role, "+".join(str(c) for c in cpus))
                       for role, cpus in sorted(m["pins"].items())))
    out.append("")
    out.append("Command: `%s`" % m["command"])
    out.append("")
    if m.get("module"):
        out.append("Module: `ngx_stream_cclink_module.so` sha256 %s… "
                   "(built %s), tree at %s.%s" % (
                       m["module"]["sha256_16"], m["module"]["mtime"],
                       m.get("git_head") or "?",
                       " The module file changed during the run!"
                       if m.get("module_changed_during_run") else ""))
        out.append("")
    if m.get("memory_conns_clamped_by_fd_limit"):
        out.append("The memory scenario held %d connections: this machine "
                   "allows %d file descriptors per process (a proxy needs "
                   "two per connection), too few for 10,000." % (
                       m["memory_conns"], m["fd_limit"]))
        out.append("")

    out.append("| scenario | metric | " + " | ".join(cols) + " |")
    out.append("|---|---|" + "---|" * len(cols))
    for sname, sc in results["scenarios"].items():
        for metric in ROWS.get(sname, []):
            label, unit, better = METRICS[metric]
            row = []
            for c in cols:
                e = sc["contenders"].get(c)
                row.append(cell(e.get("summary", {}).get(metric))
                           if e else "")
            arrow = {"higher": " ↑", "lower": " ↓"}.get(better, "")
            out.append("| %s | %s%s%s | %s |" % (
                sname, label, (", " + unit) if unit else "", arrow,
                " | ".join(row)))
    out.append("")
    out.append("↑ higher is better, ↓ lower is better. Proxy CPU is the "
               "user+system time of the proxy's processes over the "
               "measured window (from /proc), a figure that a busy machine "
               "disturbs less than the rates.")
    out.append("")

    rcols = [c for c in cols if c not in ("nginx",)]
    out.append("Ratios to stock nginx, pair by pair within each run:")
    out.append("")
    out.append("| scenario | metric | " +
               " | ".join("%s ÷ nginx" % c for c in rcols) + " |")
    out.append("|---|---|" + "---|" * len(rcols))
    for sname, sc in results["scenarios"].items():
        if "nginx" not in sc["contenders"]:
            continue
        for metric in ROWS.get(sname, []):
            if metric in ("broken", "new_failed", "processes_after",
                          "worker_crashes"):
                continue
            label, unit, better = METRICS[metric]
            row = []
            for c in rcols:
                e = sc["contenders"].get(c)
                row.append(rcell(e.get("ratio_to_nginx", {}).get(metric))
                           if e else "")
            out.append("| %s | %s | %s |" % (sname, label, " | ".join(row)))
    out.append("")

    out.append("Targets (cclink, this run):")
    out.append("")
    out.append("| target | required | measured | verdict |")
    out.append("|---|---|---|---|")
    for t in results["targets"]:
        req = "%s %s%s" % (t["op"].replace(">=", "≥").replace("<=", "≤"),
                           fmt(t["limit"]),
                           "×" if t["kind"] == "ratio" else "")
        meas = rcell(t["value"]) if t["kind"] == "ratio" \
            else cell(t["value"])
        out.append("| %s | %s | %s | %s |" % (t["target"], req, meas,
                                               t["verdict"]))
    out.append("")

    hc = results["scenarios"].get("hot-change")
    if hc:
        out.append("Route changes (%d per run): nginx and HAProxy reload "
                   "for each (SIGHUP; SIGUSR2 to the master), cclink "
                   "re-reads the file in place. \"processes after\" counts "
                   "the proxy's processes once the changes are done: old "
                   "workers that still hold the long-lived connections "
                   "stay until those close." % m["route_changes"])
        out.append("")

    errs = results.get("errors") or []
    failed = []
    for sname, sc in results["scenarios"].items():
        for c, e in sc["contenders"].items():
            f = [r.get("failed") for r in _ok_runs(e) if r.get("failed")]
            if f:
                failed.append("%s/%s: %s" % (sname, c, f))
    if failed:
        out.append("Connections that failed during rate measurements: " +
                   "; ".join(failed) + ".")
        out.append("")
    if errs:
        out.append("Measurements that failed:")
        out.append("")
        for e in errs:
            out.append("- %s / %s, run %d: %s" % (
                e["scenario"], e["contender"], e["run"],
                e["error"].splitlines()[0]))
        out.append("")
    return "\n".join(out)


def update_doc(path, md):
    with open(path) as f:
        text = f.read()
    block = BEGIN + "\n" + md.rstrip() + "\n" + END
    if BEGIN in text and END in text:
        head = text[:text.index(BEGIN)]
        tail = text[text.index(END) + len(END):]
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)
