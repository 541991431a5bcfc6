#!/usr/bin/env python3
"""CPU time of a JVM's threads, grouped by thread name, between two snapshots.

  python3 bench/threadcpu.py PID > before.json          # snapshot
  python3 bench/threadcpu.py PID before.json            # print what each group used since the snapshot

Thread names with their numbers removed make the groups: "ForkJoinPool-#-worker-#" (the carriers of the
virtual threads, i.e. the sessions), "C# CompilerThread#" (the JIT), "GC Thread#", and so on. This is how the
benchmark found that a short warm-up left a fifth of Mailroom's CPU to the JIT compiler.
"""
import collections
import json
import os
import re
import sys


def snapshot(pid):
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[tid] = (name, (int(fields[11]) + int(fields[12])) / hz)  # utime + stime
        except (OSError, IndexError, ValueError):
            pass  # the thread ended meanwhile
    return out


def main():
    now = snapshot(sys.argv[1])
    if len(sys.argv) < 3:
        json.dump(now, sys.stdout)
        return
    with open(sys.argv[2]) as f:
        before = json.load(f)
    groups = collections.Counter()
    for tid, (name, cpu) in now.items():
        groups[re.sub(r"\d+", "#", name)] += cpu - before.get(tid, [name, 0.0])[1]
    total = sum(groups.values()) or 1e-9
    print("threads: %.2f s CPU in all" % total)
    for name, cpu in groups.most_common(10):
        print("  %6.2f s %5.1f%%  %s" % (cpu, 100 * cpu / total, name))


if __name__ == "__main__":
    main()
