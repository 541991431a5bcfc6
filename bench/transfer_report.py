#!/usr/bin/env python3
"""Turns bench/transfer.sh's raw.tsv (+ deferred.tsv) into Markdown tables (median of repetitions, min-max)."""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import agg, per_msg  # noqa: E402  (same directory: the same medians as run.sh's tables)

SHAPES = {
    "maildir": "End to end to Maildir: smtp-source to rcpt@local.test until every message is a file in new/",
    "remote": "End to end to a remote sink: smtp-source to rcpt@remote.test until smtp-sink counted every message",
}


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def matrix(rows):
    groups = {}
    for r in rows:
        groups.setdefault((r["server"], r["shape"], r["size"], r["sessions"]), []).append(r)
    for shape, title in SHAPES.items():
        keys = sorted({(r["size"], r["sessions"]) for r in rows if r["shape"] == shape},
                      key=lambda k: (int(k[0].rstrip("k")), int(k[1])))
        if not keys:
            continue
        print("### " + title)
        print()
        head = ["size", "sessions", "Mailroom msg/s", "Postfix msg/s", "ratio M/P", "Mailroom e2e", "Postfix e2e",
                "ratio e2e", "server CPU ms/msg M / P", "client CPU ms/msg M / P",
                "peak RSS MB M / P (Postfix PSS)", "failed M / P", "idle % before M / P",
                "other CPU s M / P"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for size, sessions in keys:
            m = groups.get(("mailroom", shape, size, sessions), [])
            p = groups.get(("postfix", shape, size, sessions), [])
            ms, mm = agg(m, "msg_s")
            ps, pm = agg(p, "msg_s")
            me, mme = agg(m, "e2e_msg_s")
            pe, pme = agg(p, "e2e_msg_s")
            cells = [size.replace("k", " KiB"), sessions, ms, ps, "%.2f" % (mm / pm) if mm and pm else "–",
                     me, pe, "%.2f" % (mme / pme) if mme and pme else "–",
                     per_msg(m, "server_cpu_s") + " / " + per_msg(p, "server_cpu_s"),
                     per_msg(m, "client_cpu_s") + " / " + per_msg(p, "client_cpu_s"),
                     agg(m, "peak_rss_mb")[0] + " / " + agg(p, "peak_rss_mb")[0] + " (" + agg(p, "peak_pss_mb")[0] + ")",
                     "%d / %d" % (sum(int(r["failed"]) for r in m), sum(int(r["failed"]) for r in p)),
                     agg(m, "idle_pct")[0] + " / " + agg(p, "idle_pct")[0],
                     agg(m, "other_cpu_s", "%.1f")[0] + " / " + agg(p, "other_cpu_s", "%.1f")[0]]
            print("| " + " | ".join(cells) + " |")
        print()
    print("msg/s = accepted by the server (smtp-source's wall time); e2e = messages / time from the first connection "
          "until the last message was in new/ (or counted by the sink). Server CPU counts all of Postfix's "
          "processes (reaped ones too) and the whole JVM. Peak RSS: Mailroom's is the whole JVM; Postfix's is "
          "summed over its processes (RSS double-counts shared pages; PSS in brackets is the fair sum). "
          "Other CPU: what the rest of the machine used during the run (the pollers, kernel threads such as "
          "the ext4 journal, and anything else running): near 0 means the figures are the two servers' own.")
    print()


def deferred(rows):
    if not rows:
        return
    v = {}
    for r in rows:
        v.setdefault(r["server"], {})[r["key"]] = r["value"]
    m, p = v.get("mailroom", {}), v.get("postfix", {})
    n = (m or p).get("n", "?")

    def g(d, key):
        x = d.get(key)
        return x if x not in (None, "", "-") else "–"

    def arrow(d, key, unit=""):
        return "%s → %s → %s%s" % (g(d, key + "_before"), g(d, key + "_full"), g(d, key + "_settled"), unit)

    def per_msg_kib(d, key):
        try:
            return "%.2f" % ((float(d[key + "_settled"]) - float(d[key + "_before"])) * 1024 / int(d["accepted"]))
        except (KeyError, ValueError, ZeroDivisionError):
            return "–"

    def check(d, when):
        return "%s msg/s, e2e %s, %s ms CPU/msg (%s delivered, exit %s)" % (
            g(d, when + "_msg_s"), g(d, when + "_e2e"), g(d, when + "_cpu_ms"), g(d, when + "_delivered"),
            g(d, when + "_rc"))

    window = g(m or p, "idle_window_s")
    print("### %s × 1 KiB deferred: rcpt@deferred.test routed to a loopback port where nothing listens, 50 sessions"
          % n)
    print()
    print("Memory is given before the fill → right after it → %s s later (no traffic meanwhile)." % window)
    print()
    print("| | Mailroom | Postfix |")
    print("|---|---|---|")
    table = [
        ("1 KiB to the Maildir, empty queue (the check below, before the fill)",
         check(m, "check_empty"), check(p, "check_empty")),
        ("accepted (smtp-source exit status)", "%s (exit %s)" % (g(m, "accepted"), g(m, "fill_rc")),
         "%s (exit %s)" % (g(p, "accepted"), g(p, "fill_rc"))),
        ("filling took, s (accepted msg/s)", "%s (%s)" % (g(m, "fill_s"), g(m, "fill_msg_s")),
         "%s (%s)" % (g(p, "fill_s"), g(p, "fill_msg_s"))),
        ("until every message had had its first attempt, s", g(m, "all_deferred_s"), g(p, "all_deferred_s")),
        ("server CPU while filling, ms/msg (incl. the first attempt)", g(m, "fill_cpu_ms"), g(p, "fill_cpu_ms")),
        ("other CPU on the machine while filling, s", g(m, "fill_other_cpu_s"), g(p, "fill_other_cpu_s")),
        ("peak RSS while filling, MB (PSS)", "%s (%s)" % (g(m, "peak_rss"), g(m, "peak_pss")),
         "%s (%s)" % (g(p, "peak_rss"), g(p, "peak_pss"))),
        ("Java heap used after a full GC, MB", arrow(m, "heap"), "n/a"),
        ("Java heap committed after that GC, MB", arrow(m, "heap_committed"), "n/a"),
        ("RSS, MB (Postfix: sum over its processes)", arrow(m, "rss"), arrow(p, "rss")),
        ("PSS, MB", arrow(m, "pss"), arrow(p, "pss")),
        ("qmgr alone: RSS (PSS), MB", "n/a", "%s (%s)" % (arrow(p, "qmgr_rss"), arrow(p, "qmgr_pss"))),
        ("per deferred message, KiB: heap (Mailroom) / qmgr PSS (Postfix), before → settled",
         per_msg_kib(m, "heap"), per_msg_kib(p, "qmgr_pss")),
        ("server CPU in the %s s without traffic, s" % window, g(m, "idle_cpu_s"), g(p, "idle_cpu_s")),
        ("deferrals logged by the end (first attempts + retries)", g(m, "deferrals_logged"),
         g(p, "deferrals_logged")),
        ("1 KiB to the Maildir with the full queue", check(m, "check_full"), check(p, "check_full")),
        ("queued at the end", g(m, "queued_at_end"), g(p, "queued_at_end")),
        ("idle % before the fill", g(m, "idle_pct"), g(p, "idle_pct")),
    ]
    for name, a, b in table:
        print("| %s | %s | %s |" % (name, a, b))
    print()


def main():
    matrix(read(sys.argv[1]))
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        deferred(read(sys.argv[2]))


if __name__ == "__main__":
    main()
