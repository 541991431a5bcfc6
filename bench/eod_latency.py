#!/usr/bin/env python3
"""End-of-data reply latency, read off a packet capture of one SMTP server's port (stdlib only).

  eod_latency.py CAPTURE.pcap SERVER_PORT    prints "count=N p50_ms=X p99_ms=Y max_ms=Z"

Used by bench/compare-postfix.sh, because smtp-source reports no latency: tcpdump watches the loopback port of
the server under test while smtp-source drives it (keeping only the segments that end a message's data and the
DATA replies, or any superset of data-carrying segments). smtp-source does not pipeline,
so after the client's last data segment of a message (the one ending in CRLF.CRLF) the next segment the server
sends on that connection is the DATA reply. The latency of a message is the time between the two; a reply counts
when it says "queued as" (both Postfix's and Mailroom's 250 replies do), so refused messages are not counted.
Timestamps are the kernel's capture times on the loopback device: what a client on the same host would see,
without the client's own scheduling delays.
"""
import struct
import sys

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            return
        magic = struct.unpack("<I", header[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        else:
            endian = ">"
            magic = struct.unpack(">I", header[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            raise SystemExit("eod_latency.py: %s is not a pcap file" % path)
        scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
        linktype = struct.unpack(endian + "I", header[20:24])[0] & 0xFFFF
        if linktype == LINKTYPE_ETHERNET:
            link_len = 14
        elif linktype == LINKTYPE_LINUX_SLL:
            link_len = 16
        else:
            raise SystemExit("eod_latency.py: link type %d not supported" % linktype)
        record = struct.Struct(endian + "IIII")
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, frac, incl, _orig = record.unpack(rh)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield sec + frac * scale, data[link_len:]


def latencies(path, server_port):
    last_client_data = {}  # client port -> capture time of its last data segment
    out = []
    for t, ip in packets(path):
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:]
        if len(tcp) < 20:
            continue
        sport, dport = struct.unpack(">HH", tcp[:4])
        offset = (tcp[12] >> 4) * 4
        payload_len = total - ihl - offset
        if payload_len <= 0:
            continue
        if dport == server_port:
            last_client_data[sport] = t
        elif sport == server_port:
            sent = last_client_data.get(dport)
            if sent is not None and b"queued as" in tcp[offset:].lower():
                out.append(t - sent)
                del last_client_data[dport]
    return out


def percentile(sorted_values, p):
    # nearest rank: the smallest value with at least p % of the values at or below it
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: eod_latency.py CAPTURE.pcap SERVER_PORT")
    values = sorted(latencies(sys.argv[1], int(sys.argv[2])))
    print("count=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f" % (
        len(values), percentile(values, 50) * 1000, percentile(values, 99) * 1000,
        (values[-1] if values else float("nan")) * 1000))


if __name__ == "__main__":
    main()
