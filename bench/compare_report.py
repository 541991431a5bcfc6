#!/usr/bin/env python3
"""Turns bench/compare-postfix.sh's raw.tsv into a Markdown table and checks issue 5's goals.

Every figure is the median over the repetitions (min-max beside it when there are several); a ratio is
Mailroom's median over Postfix's, with the range of the per-repetition ratios (each repetition measured both
servers one after the other).
"""
import csv
import statistics
import sys

SIZE = {"1k": "1 KiB", "100k": "100 KiB"}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def values(rows, key):
    return [v for v in (num(r[key]) for r in rows) if v is not None and v == v]


def median(rows, key):
    vals = values(rows, key)
    return statistics.median(vals) if vals else None


def cell(rows, key, fmt):
    vals = values(rows, key)
    if not vals:
        return "–"
    s = fmt % statistics.median(vals)
    if len(vals) > 1:
        s += " (" + fmt % min(vals) + "–" + fmt % max(vals) + ")"
    return s


def ratio(mr, pf, key, invert=False):
    m, p = median(mr, key), median(pf, key)
    if not m or not p:
        return "–", None
    r = p / m if invert else m / p
    per = []
    by_rep = {x["rep"]: x for x in pf}
    for x in mr:
        y = by_rep.get(x["rep"])
        a, b = (num(x[key]), num(y[key])) if y else (None, None)
        if a and b:
            per.append(b / a if invert else a / b)
    s = "%.2f" % r
    if len(per) > 1:
        s += " (%.2f–%.2f)" % (min(per), max(per))
    return s, r


def cpu_per_msg(rows, key="server_cpu_s"):
    vals = [num(r[key]) / int(r["ok"]) * 1000 for r in rows
            if num(r.get(key)) is not None and int(r["ok"]) > 0]
    return "%.1f" % statistics.median(vals) if vals else "–"


def main():
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    groups, order = {}, []
    for r in rows:
        groups.setdefault((r["server"], r["size"], r["sessions"]), []).append(r)
        if (r["size"], r["sessions"]) not in order:
            order.append((r["size"], r["sessions"]))
    print("| size | sessions | Mailroom msg/s | Postfix msg/s | ratio M/P | Mailroom e2e msg/s | Postfix e2e msg/s "
          "| ratio e2e | p50 ms M / P | p99 ms M / P | peak memory MB: Mailroom RSS / Postfix RSS (PSS) "
          "| server CPU ms/msg M / P | smtp-source CPU ms/msg M / P | failed M / P |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    results = {}
    for size, sessions in order:
        mr, pf = groups.get(("mailroom", size, sessions), []), groups.get(("postfix", size, sessions), [])
        if not mr or not pf:
            continue
        tput, tput_r = ratio(mr, pf, "msg_s")
        e2e, _ = ratio(mr, pf, "e2e_msg_s")
        results[(size, sessions)] = (tput_r, median(mr, "p99_ms"), median(pf, "p99_ms"))
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s (%s) | %s / %s | %s / %s | %d / %d |" % (
            SIZE.get(size, size), sessions, cell(mr, "msg_s", "%.0f"), cell(pf, "msg_s", "%.0f"), tput,
            cell(mr, "e2e_msg_s", "%.0f"), cell(pf, "e2e_msg_s", "%.0f"), e2e,
            cell(mr, "p50_ms", "%.1f"), cell(pf, "p50_ms", "%.1f"), cell(mr, "p99_ms", "%.1f"),
            cell(pf, "p99_ms", "%.1f"), cell(mr, "peak_rss_mb", "%.0f"), cell(pf, "peak_rss_mb", "%.0f"),
            cell(pf, "peak_pss_mb", "%.0f"), cpu_per_msg(mr), cpu_per_msg(pf),
            cpu_per_msg(mr, "client_cpu_s"), cpu_per_msg(pf, "client_cpu_s"),
            sum(int(r["failed"]) for r in mr), sum(int(r["failed"]) for r in pf)))
    dropped = sum(int(r["capture_dropped"]) for r in rows if r["capture_dropped"].isdigit())
    samples = min((int(r["latency_samples"]) for r in rows if r["latency_samples"].isdigit()), default=0)
    print()
    print("Latency: the DATA reply's, from the client's last data segment to the server's 250, captured on lo; "
          "at least %d replies per measurement, %d packets dropped by the capture in all." % (samples, dropped))
    print()
    print("Goals (issue 5, 1 KiB): ")
    for sessions, want in (("50", 2.0), ("200", 3.0)):
        got = results.get(("1k", sessions))
        if got and got[0] is not None:
            print("- %s sessions: throughput ratio %.2f, goal >= %.1f: %s" % (
                sessions, got[0], want, "met" if got[0] >= want else "NOT met"))
    for (size, sessions), (_, mp99, pp99) in results.items():
        if mp99 is not None and pp99 is not None:
            print("- p99 %s, %s sessions: Mailroom %.1f ms, Postfix %.1f ms: %s" % (
                SIZE.get(size, size), sessions, mp99, pp99, "met" if mp99 <= pp99 else "NOT met"))


if __name__ == "__main__":
    main()
