package dev.mailroom.dns;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * One zone of a {@link TestDnsServer}: where a zone cut is, and, for a signed zone, its keys (RFC 4033 section 2).
 *
 * <p>A signed zone has a key-signing key (flags 257, signs the DNSKEY RRset) and a zone-signing key (flags 256,
 * signs everything else), both ECDSA P-256 with SHA-256 (algorithm 13, RFC 6605), generated when the zone is made.
 * Signatures are made when a query asks for them (the DO bit), so records added later are signed too. A test breaks
 * the zone on purpose with {@link #corruptSignature}, {@link #stripSignature} and {@link #expireSignatures}, and
 * configures the validator under test with {@link #trustAnchor()}.
 */
public final class TestZone {
    /** TTL of the generated SOA, DNSKEY, DS and NSEC records, and the SOA minimum (negative caching). */
    static final long TTL = 300;

    private final Name apex;
    private final Keys keys; // null for an unsigned zone
    private final Set<Key> corrupted = ConcurrentHashMap.newKeySet();
    private final Set<Key> stripped = ConcurrentHashMap.newKeySet();
    private volatile Instant inception = Instant.now().minus(Duration.ofHours(1));
    private volatile Instant expiration = Instant.now().plus(Duration.ofDays(30));

    private record Keys(KeyPair ksk, DNSKEYRecord kskRecord, KeyPair zsk, DNSKEYRecord zskRecord) {
    }

    private record Key(Name name, int type) {
    }

    private TestZone(Name apex, Keys keys) {
        this.apex = apex;
        this.keys = keys;
    }

    static TestZone unsigned(Name apex) {
        return new TestZone(apex, null);
    }

    static TestZone signed(Name apex) {
        try {
            KeyPair ksk = generate();
            KeyPair zsk = generate();
            return new TestZone(apex, new Keys(
                    ksk, new DNSKEYRecord(apex, DClass.IN, TTL, DNSKEYRecord.Flags.ZONE_KEY | DNSKEYRecord.Flags.SEP_KEY,
                            DNSKEYRecord.Protocol.DNSSEC, DNSSEC.Algorithm.ECDSAP256SHA256, ksk.getPublic()),
                    zsk, new DNSKEYRecord(apex, DClass.IN, TTL, DNSKEYRecord.Flags.ZONE_KEY,
                            DNSKEYRecord.Protocol.DNSSEC, DNSSEC.Algorithm.ECDSAP256SHA256, zsk.getPublic())));
        } catch (GeneralSecurityException | DNSSEC.DNSSECException e) {
            throw new IllegalStateException("cannot generate DNSSEC keys: " + e.getMessage(), e);
        }
    }

    private static KeyPair generate() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        return gen.generateKeyPair();
    }

    public Name apex() {
        return apex;
    }

    public boolean signed() {
        return keys != null;
    }

    /** The DS record of the key-signing key (SHA-256 digest), as the parent zone publishes it. */
    public DSRecord ds() {
        requireSigned();
        return new DSRecord(apex, DClass.IN, TTL, DNSSEC.Digest.SHA256, keys.kskRecord());
    }

    /** The zone's DS record in master-file format: the text of a trust anchor file for this zone. */
    public String trustAnchor() {
        return ds().toString() + "\n";
    }

    /** The zone's key-signing and zone-signing DNSKEY records. */
    public DNSKEYRecord[] dnskeys() {
        requireSigned();
        return new DNSKEYRecord[] {keys.kskRecord(), keys.zskRecord()};
    }

    /** From now on the RRSIG over {@code name}/{@code type} has a damaged signature: validators call it bogus. */
    public TestZone corruptSignature(String name, int type) {
        corrupted.add(new Key(name(name), type));
        return this;
    }

    /** From now on {@code name}/{@code type} is served without its RRSIG, as a stripping attacker would. */
    public TestZone stripSignature(String name, int type) {
        stripped.add(new Key(name(name), type));
        return this;
    }

    /** Signs everything, DNSKEY included, with signatures that expired yesterday (RFC 4035 section 5.3.1). */
    public TestZone expireSignatures() {
        return validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
    }

    /** The inception and expiration every signature made from now on carries. */
    public TestZone validity(Instant inception, Instant expiration) {
        this.inception = inception;
        this.expiration = expiration;
        return this;
    }

    /** The SOA the zone gets when the test gives none. */
    SOARecord defaultSoa() {
        try {
            return new SOARecord(apex, DClass.IN, TTL, Name.fromString("ns", apex), Name.fromString("hostmaster", apex),
                    1, 3600, 600, 86400, TTL);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The RRSIG over one RRset, by the key-signing key for the apex DNSKEY RRset and by the zone-signing key for
     * everything else; null for an unsigned zone or a stripped RRset.
     */
    RRSIGRecord sign(RRset rrset) {
        if (keys == null) {
            return null;
        }
        Key key = new Key(rrset.getName(), rrset.getType());
        if (stripped.contains(key)) {
            return null;
        }
        boolean keySet = rrset.getType() == Type.DNSKEY && rrset.getName().equals(apex);
        RRSIGRecord sig;
        try {
            sig = DNSSEC.sign(rrset, keySet ? keys.kskRecord() : keys.zskRecord(),
                    keySet ? keys.ksk().getPrivate() : keys.zsk().getPrivate(), inception, expiration);
        } catch (DNSSEC.DNSSECException e) {
            throw new IllegalStateException("cannot sign " + rrset.getName() + "/" + Type.string(rrset.getType()), e);
        }
        if (!corrupted.contains(key)) {
            return sig;
        }
        byte[] damaged = sig.getSignature().clone();
        damaged[damaged.length / 2] ^= 0x5a;
        return new RRSIGRecord(sig.getName(), sig.getDClass(), sig.getTTL(), sig.getTypeCovered(), sig.getAlgorithm(),
                sig.getOrigTTL(), sig.getExpire(), sig.getTimeSigned(), sig.getFootprint(), sig.getSigner(), damaged);
    }

    private void requireSigned() {
        if (keys == null) {
            throw new IllegalStateException(apex + " is not a signed zone");
        }
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return apex + (keys == null ? " (unsigned)" : " (signed)");
    }
}
