#!/usr/bin/env python3
"""Process accounting for bench/run.sh (Linux /proc, stdlib only).

  procwatch.py cpu PID            CPU seconds used so far by PID and its descendants (incl. reaped children)
  procwatch.py watch PID OUT      sample the tree every 0.2 s until SIGTERM/SIGINT (or 900 s), then write
                                  "peak_rss_mb peak_pss_mb" to OUT (sums over the tree; PSS shares fairly
                                  what Postfix's many processes have in common)
  procwatch.py idle [SECONDS]     whole-machine idle percentage over SECONDS (default 1)
  procwatch.py hwm PID            VmHWM of PID in MB
"""
import os
import signal
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def tree(root):
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
            ppid = int(s[s.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError):
            pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu(root):
    total = 0
    for p in tree(root):
        try:
            with open("/proc/%d/stat" % p) as f:
                s = f.read()
            fields = s[s.rindex(")") + 2:].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError):
            pass
    return total / TICK


def mem(root):
    rss = pss = 0
    for p in tree(root):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


def idle(seconds):
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = snap()
    time.sleep(seconds)
    i1, t1 = snap()
    return 100.0 * (i1 - i0) / max(1, t1 - t0)


def main():
    cmd = sys.argv[1]
    if cmd == "cpu":
        print("%.2f" % cpu(int(sys.argv[2])))
    elif cmd == "idle":
        print("%.0f" % idle(float(sys.argv[2]) if len(sys.argv) > 2 else 1.0))
    elif cmd == "hwm":
        with open("/proc/%s/status" % sys.argv[2]) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    print("%.0f" % (int(line.split()[1]) / 1024))
    elif cmd == "watch":
        root, out = int(sys.argv[2]), sys.argv[3]
        peak = [0.0, 0.0]
        stop = [False]

        def on_signal(*_):
            stop[0] = True
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        end = time.monotonic() + 900
        while not stop[0] and time.monotonic() < end:
            r, p = mem(root)
            peak = [max(peak[0], r), max(peak[1], p)]
            time.sleep(0.2)
        with open(out, "w") as f:
            f.write("%.0f %.0f\n" % tuple(peak))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
