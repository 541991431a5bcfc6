#!/usr/bin/env python3
"""Turns bench/run.sh's raw.tsv into Markdown tables (median over repetitions, min-max when more than one)."""
import csv
import statistics
import sys

SHAPES = {
    "smtp-source": "smtp-source, no AUTH (trusted listener / Postfix without AUTH)",
    "auth-1": "STARTTLS (TLS 1.3) + AUTH PLAIN, 1 message per connection",
    "auth-50": "STARTTLS (TLS 1.3) + AUTH PLAIN, 50 messages per login",
    "auth-1-tls12": "STARTTLS (TLS 1.2) + AUTH PLAIN, 1 message per connection",
}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def agg(rows, key, fmt="%.0f"):
    vals = [num(r[key]) for r in rows if num(r[key]) is not None]
    if not vals:
        return "–", None
    med = statistics.median(vals)
    s = fmt % med
    if len(vals) > 1:
        s += " (" + fmt % min(vals) + "–" + fmt % max(vals) + ")"
    return s, med


def per_msg(rows, key):
    vals = [num(r[key]) / max(1, int(r["ok"])) * 1000 for r in rows if num(r[key]) is not None and int(r["ok"]) > 0]
    return "%.1f" % statistics.median(vals) if vals else "–"


def main():
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    groups = {}
    for r in rows:
        groups.setdefault((r["server"], r["shape"], r["size"], r["sessions"]), []).append(r)
    order = []
    for r in rows:
        k = (r["shape"], r["size"], r["sessions"])
        if r["server"] != "ceiling" and k not in order:
            order.append(k)
    goal = {}
    for shape in SHAPES:
        keys = [k for k in order if k[0] == shape]
        if not keys:
            continue
        print("### " + SHAPES[shape])
        print()
        lat = shape != "smtp-source"
        head = ["size", "sessions", "Mailroom msg/s", "Postfix msg/s", "ratio M/P", "Mailroom e2e", "Postfix e2e",
                "ratio e2e"]
        if lat:
            head += ["Mailroom p50 / p99 ms", "Postfix p50 / p99 ms"]
        head += ["server CPU ms/msg M / P", "client CPU ms/msg M / P", "peak RSS MB M / P (Postfix PSS)",
                 "failed M / P", "idle % before M / P"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for k in keys:
            m = groups.get(("mailroom",) + k, [])
            p = groups.get(("postfix",) + k, [])
            ms, mm = agg(m, "msg_s")
            ps, pm = agg(p, "msg_s")
            me, mme = agg(m, "e2e_msg_s")
            pe, pme = agg(p, "e2e_msg_s")
            ratio = "%.2f" % (mm / pm) if mm and pm else "–"
            ratio_e = "%.2f" % (mme / pme) if mme and pme else "–"
            goal[k] = (mm, pm, mme, pme)
            cells = [k[1].replace("k", " KiB"), k[2], ms, ps, ratio, me, pe, ratio_e]
            if lat:
                cells += [agg(m, "p50_ms", "%.1f")[0] + " / " + agg(m, "p99_ms", "%.1f")[0],
                          agg(p, "p50_ms", "%.1f")[0] + " / " + agg(p, "p99_ms", "%.1f")[0]]
            cells += [per_msg(m, "server_cpu_s") + " / " + per_msg(p, "server_cpu_s"),
                      per_msg(m, "client_cpu_s") + " / " + per_msg(p, "client_cpu_s"),
                      agg(m, "peak_rss_mb")[0] + " / " + agg(p, "peak_rss_mb")[0] + " (" + agg(p, "peak_pss_mb")[0] + ")",
                      "%d / %d" % (sum(int(r["failed"]) for r in m), sum(int(r["failed"]) for r in p)),
                      agg(m, "idle_pct")[0] + " / " + agg(p, "idle_pct")[0]]
            print("| " + " | ".join(cells) + " |")
        print()
    ceil = [k for k in groups if k[0] == "ceiling"]
    if ceil:
        print("### Client ceiling: the load clients against a bare smtp-sink (no queue, no TLS)")
        print()
        print("| client | size | sessions | msg/s | client CPU ms/msg |")
        print("|---|---|---|---|---|")
        for k in sorted(ceil, key=lambda k: (k[1], k[2], int(k[3]))):
            g = groups[k]
            name = "smtp-source" if k[1] == "smtp-source" else "authload (AUTH PLAIN, 1 msg/conn, no TLS)"
            print("| %s | %s | %s | %s | %s |" % (name, k[2].replace("k", " KiB"), k[3], agg(g, "msg_s")[0],
                                                  per_msg(g, "client_cpu_s")))
        print()
    print("### Goal: at 50 sessions, 1 KiB, Mailroom ≥ 2 × Postfix")
    print()
    for shape in ("smtp-source", "auth-1"):
        v = goal.get((shape, "1k", "50"))
        if not v or not v[0] or not v[1]:
            continue
        mm, pm, mme, pme = v
        verdict = "met" if mm >= 2 * pm else "NOT met"
        e2e = (", end to end %.0f vs %.0f (%.2f×)" % (mme, pme, mme / pme)) if mme and pme else ""
        print("- %s: accepted %.0f vs %.0f msg/s = %.2f× → %s%s" % (SHAPES[shape], mm, pm, mm / pm, verdict, e2e))
    print()
    print("Latency: end-of-data reply, measured by the authenticated load generator; smtp-source reports no latency (wall time only). "
          "e2e = messages / time until smtp-sink had them all. Server CPU includes all Postfix processes. "
          "'idle % before' is the machine's idle CPU in the second before the run (other work on the machine "
          "lowers it).")


if __name__ == "__main__":
    main()
