#!/usr/bin/env python3
"""Authenticated SMTP submission load generator (Python 3 stdlib: threads + ssl, i.e. OpenSSL).

  python3 bench/authload.py --port 10587 --sessions 50 --messages 1000 --size 1024 [--per-login 1]
          [--tls 1.3|1.2|none] [--user sender@example.test] [--password bench-password]
          [--warmup N] [--max-seconds 300]

SESSIONS threads each loop: connect, EHLO, STARTTLS (any certificate accepted), EHLO, AUTH PLAIN, then up to
PER-LOGIN transactions (MAIL, RCPT, DATA, message, ".") and QUIT, until MESSAGES messages have been claimed.
Latency: from the write of the final CRLF.CRLF to the end of the reply to it ("end-of-data latency").
--warmup N first sends N messages the same way, unmeasured. Prints one line of key=value pairs, including
the client's own CPU time (cpu_s), and exits 1 unless every message got a 2xx reply.

Why Python and not the Java client (bench/AuthLoad.java): on this 2-core machine OpenSSL's handshake costs the
client about 2.5 ms of CPU per connection, JSSE's about 4x more, and every client CPU-millisecond is taken
from the server under test.
"""
import argparse
import base64
import email.utils
import os
import resource
import socket
import ssl
import sys
import threading
import time
import uuid


def body_bytes(size):
    out = bytearray()
    n = 0
    while len(out) < size:
        line = ("%05d" % n + "X" * 73)[: max(1, min(78, size - len(out) - 2))]
        out += line.encode() + b"\r\n"
        n += 1
    return bytes(out)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.last = ""

    def reply(self):
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("connection closed; last reply " + self.last)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("latin-1")
            if len(line) < 3:
                raise IOError("bad reply " + line)
            if len(line) == 3 or line[3] == " ":
                self.last = line
                return int(line[:3])

    def cmd(self, line, want):
        self.sock.sendall(line.encode() + b"\r\n")
        code = self.reply()
        if code != want:
            raise IOError("%s -> %s" % ("AUTH" if line.startswith("AUTH") else line, self.last))


class Run:
    def __init__(self, a, messages):
        self.a = a
        self.messages = messages
        self.lock = threading.Lock()
        self.claimed = 0
        self.ok = 0
        self.failed = 0
        self.connections = 0
        self.lat = []
        self.errors = []
        self.protocol = "none"

    def claim(self):
        with self.lock:
            if self.claimed >= self.messages:
                return False
            self.claimed += 1
            return True


def session(run, a, ctx, body, auth):
    if not run.claim():
        return
    inflight = True
    with run.lock:
        run.connections += 1
    sock = socket.create_connection((a.host, a.port), timeout=60)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = Conn(sock)
        if c.reply() != 220:
            raise IOError("greeting " + c.last)
        c.cmd("EHLO loadgen.example.test", 250)
        if a.tls != "none":
            c.cmd("STARTTLS", 220)
            sock = ctx.wrap_socket(sock, server_hostname=None)
            run.protocol = sock.version()
            c = Conn(sock)
            c.cmd("EHLO loadgen.example.test", 250)
        c.cmd(auth, a.auth_reply)
        sent = 0
        while True:
            c.cmd("MAIL FROM:<%s>" % a.sender, 250)
            c.cmd("RCPT TO:<%s>" % a.rcpt, 250)
            c.cmd("DATA", 354)
            head = ("From: <%s>\r\nTo: <%s>\r\nSubject: bench\r\nDate: %s\r\nMessage-ID: <%s@loadgen.example.test>\r\n\r\n"
                    % (a.sender, a.rcpt, email.utils.formatdate(), uuid.uuid4())).encode()
            sock.sendall(head + body + b".\r\n")
            t = time.perf_counter()
            code = c.reply()
            dt = time.perf_counter() - t
            inflight = False
            with run.lock:
                if code // 100 == 2:
                    run.ok += 1
                    run.lat.append(dt)
                else:
                    run.failed += 1
                    run.errors.append("end of data: " + c.last)
            sent += 1
            if sent >= a.per_login or not run.claim():
                break
            inflight = True
        c.cmd("QUIT", 221)
    except Exception as e:  # noqa: BLE001 - every failure is counted and reported
        with run.lock:
            if inflight:
                run.failed += 1
            run.errors.append(repr(e))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def drive(a, sessions, messages, ctx, body, auth):
    run = Run(a, messages)
    deadline = time.monotonic() + a.max_seconds

    def worker():
        while time.monotonic() < deadline:
            with run.lock:
                if run.claimed >= run.messages:
                    return
            session(run, a, ctx, body, auth)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    return run


def pct(sorted_values, p):
    if not sorted_values:
        return 0.0
    i = max(0, min(len(sorted_values) - 1, -(-p * len(sorted_values) // 100) - 1))
    return sorted_values[i] * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=10587)
    p.add_argument("--sessions", type=int, default=1)
    p.add_argument("--messages", type=int, default=100)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--per-login", type=int, default=1)
    p.add_argument("--tls", default="1.3", choices=["1.3", "1.2", "none"])
    p.add_argument("--user", default="sender@example.test")
    p.add_argument("--password", default="bench-password")
    p.add_argument("--from", dest="sender", default="sender@example.test")
    p.add_argument("--to", dest="rcpt", default="rcpt@example.test")
    p.add_argument("--auth-reply", type=int, default=235,
                   help="reply code expected for AUTH (250 for smtp-sink, which treats AUTH as any command)")
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=300)
    a = p.parse_args()
    if not (a.host.startswith("127.") or a.host == "localhost"):
        sys.exit("loopback only")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if a.tls == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    body = body_bytes(a.size)
    auth = "AUTH PLAIN " + base64.b64encode(("\0%s\0%s" % (a.user, a.password)).encode()).decode()
    if a.warmup:
        w = drive(a, min(a.sessions, a.warmup), a.warmup, ctx, body, auth)
        if w.failed:
            print("warmup errors: %s" % w.errors[:1], file=sys.stderr)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    run = drive(a, a.sessions, a.messages, ctx, body, auth)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    lat = sorted(run.lat)
    print("ok=%d failed=%d connections=%d wall_s=%.3f msg_s=%.1f eod_p50_ms=%.2f eod_p99_ms=%.2f eod_max_ms=%.2f "
          "tls=%s cpu_s=%.2f" % (run.ok, run.failed, run.connections, wall, run.ok / wall, pct(lat, 50), pct(lat, 99),
                                 lat[-1] * 1000 if lat else 0.0, run.protocol, cpu))
    for e in list(dict.fromkeys(run.errors))[:5]:
        print("error: " + e, file=sys.stderr)
    sys.stdout.flush()
    os._exit(0 if run.failed == 0 and run.ok == a.messages else 1)


if __name__ == "__main__":
    main()
