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
                "peak RSS MB M / P (Postfix PSS)", "failed M / P", "idle % before M / P"]
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
                     agg(m, "idle_pct")[0] + " / " + agg(p, "idle_pct")[0]]
            print("| " + " | ".join(cells) + " |")
        print()
    print("msg/s = accepted by the server (smtp-source's wall time); e2e = messages / time from the first connection "
          "until the last message was in new/ (or counted by the sink). Server CPU counts all of Postfix's "
          "processes (reaped ones too) and the whole JVM. Peak RSS: Mailroom's is the whole JVM; Postfix's is "
          "summed over its processes (RSS double-counts shared pages; PSS in brackets is the fair sum).")
    print()


def deferred(rows):
    if not rows:
        return
    by = {r["server"]: r for r in rows}
    m, p = by.get("mailroom", {}), by.get("postfix", {})
    n = (m or p).get("n", "?")
    print("### %s × 1 KiB deferred (rcpt@deferred.test routed to a loopback port where nothing listens), 50 sessions"
          % n)
    print()

    def both(key, fmt=None):
        def one(r):
            v = r.get(key, "–")
            if fmt and v not in ("", "-", "–", None):
                try:
                    return fmt % float(v)
                except ValueError:
                    return v
            return v if v not in ("", "-") else "–"
        return one(m), one(p)

    def per_msg_ms(r, key):
        try:
            return "%.2f" % (float(r[key]) * 1000 / max(1, int(r["accepted"])))
        except (KeyError, ValueError):
            return "–"

    def per_msg_kib(r, after, before):
        try:
            return "%.2f" % ((float(r[after]) - float(r[before])) * 1024 / max(1, int(r["accepted"])))
        except (KeyError, ValueError):
            return "–"

    table = [
        ("accepted (smtp-source exit status)", "%s (exit %s)" % (m.get("accepted", "–"), m.get("fill_rc", "–")),
         "%s (exit %s)" % (p.get("accepted", "–"), p.get("fill_rc", "–"))),
        ("filling took, s (accepted msg/s)", "%s (%s)" % (m.get("fill_s", "–"), m.get("fill_msg_s", "–")),
         "%s (%s)" % (p.get("fill_s", "–"), p.get("fill_msg_s", "–"))),
        ("until every message had its first attempt and was deferred, s", *both("all_deferred_s")),
        ("server CPU while filling, ms/msg (incl. first attempt)", per_msg_ms(m, "fill_cpu_s"),
         per_msg_ms(p, "fill_cpu_s")),
        ("peak RSS while filling, MB (Postfix: PSS in brackets)", m.get("peak_rss_mb", "–"),
         "%s (%s)" % (p.get("peak_rss_mb", "–"), p.get("peak_pss_mb", "–"))),
        ("RSS before → with the full queue, MB", "%s → %s" % (m.get("rss_before_mb"), m.get("rss_after_mb")),
         "%s → %s" % (p.get("rss_before_mb"), p.get("rss_after_mb"))),
        ("PSS before → with the full queue, MB", "%s → %s" % (m.get("pss_before_mb"), m.get("pss_after_mb")),
         "%s → %s" % (p.get("pss_before_mb"), p.get("pss_after_mb"))),
        ("Java heap after full GC, before → with the full queue, MB (committed)",
         "%s → %s (%s)" % (m.get("heap_before_mb"), m.get("heap_after_mb"), m.get("heap_committed_mb")), "n/a"),
        ("heap per deferred message after GC, KiB", per_msg_kib(m, "heap_after_mb", "heap_before_mb"), "n/a"),
        ("RSS per deferred message (Postfix: PSS), KiB", per_msg_kib(m, "rss_after_mb", "rss_before_mb"),
         per_msg_kib(p, "pss_after_mb", "pss_before_mb")),
        ("server CPU in %s s without traffic, s" % (m or p).get("idle_window_s", "?"), *both("idle_cpu_s")),
        ("then new mail: 1 KiB to the Maildir at 50 sessions, delivered", *both("check_ok")),
        ("  accepted msg/s / e2e msg/s",
         "%s / %s" % (m.get("check_msg_s", "–"), m.get("check_e2e_msg_s", "–")),
         "%s / %s" % (p.get("check_msg_s", "–"), p.get("check_e2e_msg_s", "–"))),
        ("queued at the end", *both("queued_at_end")),
        ("idle % before", *both("idle_pct")),
    ]
    print("| | Mailroom | Postfix |")
    print("|---|---|---|")
    for name, a, b in table:
        print("| %s | %s | %s |" % (name, a or "–", b or "–"))
    print()


def main():
    matrix(read(sys.argv[1]))
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        deferred(read(sys.argv[2]))


if __name__ == "__main__":
    main()
