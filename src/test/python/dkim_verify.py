"""Verifies the DKIM signatures of one message with dkimpy (Debian python3-dkim), taking the public keys
from a DNS server (the test's own, on 127.0.0.1:PORT) over real DNS queries with dnspython.

Usage: /usr/bin/python3 dkim_verify.py MESSAGE_FILE DNS_PORT
Prints one line per signature: "domain selector algorithm pass|fail [reason]".
"""
import logging
import sys

import dkim
import dns.resolver


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = port
    resolver.lifetime = 5

    def txt(name, timeout=5):
        # dkimpy's own dnsfunc contract: the TXT record's strings joined, or None.
        try:
            answer = resolver.resolve(name.decode("ascii"), "TXT", raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(list(rrset.items)[0].strings)
        return None

    with open(path, "rb") as f:
        message = f.read()
    reasons = []

    class Collect(logging.Handler):
        def emit(self, record):
            reasons.append(record.getMessage())

    logger = logging.getLogger("dkim-verify")
    logger.addHandler(Collect())
    logger.setLevel(logging.DEBUG)
    d = dkim.DKIM(message, logger=logger)
    signatures = [value for name, value in d.headers if name.lower() == b"dkim-signature"]
    for index, value in enumerate(signatures):
        tags = dkim.util.parse_tag_value(value)
        del reasons[:]
        try:
            ok = d.verify(idx=index, dnsfunc=txt)
        except dkim.DKIMException as e:
            ok = False
            reasons.append(str(e))
        reason = "" if ok else " " + " / ".join(r for r in reasons if "signature" in r or "hash" in r or "key" in r)
        print("%s %s %s %s%s" % (tags[b"d"].decode(), tags[b"s"].decode(), tags[b"a"].decode(),
                                 "pass" if ok else "fail", reason))


if __name__ == "__main__":
    main()
