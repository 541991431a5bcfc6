#!/usr/bin/env python3
"""Counters for bench/transfer.sh: how many messages have arrived somewhere, and waiting until enough have.

  waitcount.py count KIND PATH                 print the current count
  waitcount.py wait KIND PATH WANT TIMEOUT     poll until the count is >= WANT (at most TIMEOUT seconds), then
                                               print "COUNT EPOCH" (EPOCH = time.time() when it was seen, or
                                               "-" on time-out)
  waitcount.py mem PID [NAME]                  "RSS_MB PSS_MB" summed over PID and its descendants, now (only
                                               the processes called NAME, e.g. qmgr, when given)
  waitcount.py busy                            CPU seconds the whole machine has been busy since boot (all CPUs)
  waitcount.py stable KIND PATH SECONDS MAX    wait until the count stops moving for SECONDS (at most MAX s)

KIND:
  maildir   regular files in PATH (a Maildir's new/): one per delivered message
  sink      the last "mesg=N" counter that smtp-sink -c wrote to the file PATH
  mrqueue   messages in Mailroom's spool/queue PATH (files not ending in .state or .tmp)
  mrstate   .state files in PATH: messages of Mailroom's queue that have had a delivery attempt
  tree      regular files anywhere below PATH (Postfix's hashed queue directories, e.g. spool/deferred)

One long-lived poller instead of a process per poll, so that polling costs the 2-core machine little.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procwatch  # noqa: E402  (same directory)

SINK = re.compile(rb"mesg=(\d+)")


def count_maildir(path):
    try:
        with os.scandir(path) as it:
            return sum(1 for e in it if not e.name.startswith("."))
    except FileNotFoundError:
        return 0


def count_sink(path):
    # smtp-sink -c rewrites its counter line with \r on every change: read only the end of the file.
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256))
            found = SINK.findall(f.read())
            return int(found[-1]) if found else 0
    except FileNotFoundError:
        return 0


def count_mrqueue(path):
    with os.scandir(path) as it:
        return sum(1 for e in it if not e.name.endswith((".state", ".tmp")))


def count_mrstate(path):
    with os.scandir(path) as it:
        return sum(1 for e in it if e.name.endswith(".state"))


def count_tree(path):
    return sum(len(files) for _, _, files in os.walk(path))


def mem(root, name):
    if name is None:
        return procwatch.mem(root)
    rss = pss = 0.0
    for p in procwatch.tree(root):
        try:
            with open("/proc/%d/comm" % p) as f:
                if f.read().strip() != name:
                    continue
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) / 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) / 1024
        except OSError:
            pass  # the process ended meanwhile
    return rss, pss


COUNTERS = {"maildir": count_maildir, "sink": count_sink, "mrqueue": count_mrqueue, "mrstate": count_mrstate,
            "tree": count_tree}
# Poll the cheap counters often (they time the end-to-end rate), the 100,000-file directories rarely.
INTERVAL = {"maildir": 0.05, "sink": 0.02, "mrqueue": 1.0, "mrstate": 1.0, "tree": 1.0}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "mem":
        print("%.1f %.1f" % mem(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None))
        return
    if cmd == "busy":
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        print("%.2f" % ((sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")))  # all but idle and iowait
        return
    kind, path = sys.argv[2], sys.argv[3]
    counter = COUNTERS[kind]
    if cmd == "count":
        print(counter(path))
    elif cmd == "wait":
        want, deadline = int(sys.argv[4]), time.monotonic() + float(sys.argv[5])
        while True:
            n = counter(path)
            if n >= want:
                print("%d %.3f" % (n, time.time()))
                return
            if time.monotonic() >= deadline:
                print("%d -" % n)
                return
            time.sleep(INTERVAL[kind])
    elif cmd == "stable":
        quiet, deadline = float(sys.argv[4]), time.monotonic() + float(sys.argv[5])
        last, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            n = counter(path)
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
            time.sleep(max(0.5, INTERVAL[kind]))
        print(last)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
