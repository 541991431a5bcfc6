package dev.mailroom.dns;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * The keys DNSSEC validation starts from (RFC 4033 section 2, "trust anchor"): DS or DNSKEY records in master-file
 * format (RFC 1035 section 5), one record a line, as IANA publishes the root zone's and as {@code dig DS} prints.
 *
 * <p>{@link #rootZone()} is the root zone's key-signing keys, built in (KSK-2017 and KSK-2024); a site behind a
 * private DNS tree, or a test with its own signed zone, names a file instead ({@code [dns] trust_anchors}).
 */
public final class TrustAnchors {
    private static final String ROOT_RESOURCE = "root-anchors.txt";

    private final String masterText;
    private final List<Record> records;

    private TrustAnchors(String masterText, List<Record> records) {
        this.masterText = masterText;
        this.records = List.copyOf(records);
    }

    /** The root zone's key-signing keys as DS records (data.iana.org/root-anchors). */
    public static TrustAnchors rootZone() {
        try (InputStream in = TrustAnchors.class.getResourceAsStream(ROOT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in root trust anchors are missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in root trust anchors", e);
        } catch (InvalidTrustAnchorsException e) {
            throw new IllegalStateException("the built-in root trust anchors do not parse: " + e.getMessage(), e);
        }
    }

    /** Reads a trust anchor file; the exception's message is the reason, for a config error beside the file name. */
    public static TrustAnchors read(Path file) throws InvalidTrustAnchorsException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidTrustAnchorsException("cannot read " + file + ": " + e.getMessage());
        }
        return parse(text);
    }

    /** Master-file text holding at least one DS or DNSKEY record; other record types are errors, not ignored. */
    public static TrustAnchors parse(String masterText) throws InvalidTrustAnchorsException {
        List<Record> parsed = new ArrayList<>();
        // TTL 0 where a line gives none: an anchor is configuration, not a cached answer (dnsjava reads it so too)
        try (Master master = new Master(new ByteArrayInputStream(masterText.getBytes(StandardCharsets.UTF_8)), Name.root, 0)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                if (r.getType() != Type.DS && r.getType() != Type.DNSKEY) {
                    // dnsjava would skip it silently; a typo'd anchor file must not validate nothing by surprise
                    throw new InvalidTrustAnchorsException("only DS and DNSKEY records can be trust anchors, not "
                            + Type.string(r.getType()) + " (" + r.getName() + ")");
                }
                parsed.add(r);
            }
        } catch (IOException e) {
            throw new InvalidTrustAnchorsException("not master-file records: " + e.getMessage());
        }
        if (parsed.isEmpty()) {
            throw new InvalidTrustAnchorsException("no DS or DNSKEY record");
        }
        return new TrustAnchors(masterText, parsed);
    }

    /** The DS and DNSKEY records, in file order. */
    public List<Record> records() {
        return records;
    }

    void loadInto(ValidatingResolver validator) {
        try {
            validator.loadTrustAnchors(new ByteArrayInputStream(masterText.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("trust anchors that parsed once no longer parse", e);
        }
    }

    /** A trust anchor file that cannot be used; the message says why. */
    public static final class InvalidTrustAnchorsException extends Exception {
        public InvalidTrustAnchorsException(String reason) {
            super(reason);
        }
    }
}
