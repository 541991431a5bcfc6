package dev.mailroom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.message.HeaderSection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signer: the RFC 8463 test vectors reproduced, the h= list, the tags and the folding of the field. */
class DkimSignerTest {
    @TempDir
    Path dir;

    // RFC 8463 Appendix A (A.1 key, A.2 message; A.3 signed message).
    static final String RFC8463_SEED = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    static final String RFC8463_PUBLIC = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    static final String RFC8463_HEADER = """
            From: Joe SixPack <joe@football.example.com>\r
            To: Suzie Q <suzie@shopping.example.net>\r
            Subject: Is dinner ready?\r
            Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
            Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
            """;
    static final String RFC8463_BODY = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
    static final List<String> RFC8463_H = List.of("from", "to", "subject", "date", "message-id", "from", "subject", "date");

    static PrivateKey rfc8463Key() throws Exception {
        // PKCS#8 wrapping of the raw 32-octet Ed25519 private key (RFC 8410 section 7)
        byte[] pkcs8 = concat(HexFormat.of().parseHex("302e020100300506032b657004220420"),
                Base64.getDecoder().decode(RFC8463_SEED));
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static String bodyHash(Canonicalization c, String body) {
        BodyHasher h = new BodyHasher(c);
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        h.write(bytes, 0, bytes.length);
        return Base64.getEncoder().encodeToString(h.digest());
    }

    @Test
    void DKIM_04_rfc8463AppendixAEd25519SignatureIsReproducedExactly() throws Exception {
        HeaderSection header = HeaderSection.parse(RFC8463_HEADER.getBytes(StandardCharsets.US_ASCII));
        String unsigned = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
                + " d=football.example.com; i=@football.example.com;\r\n"
                + " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
                + " subject : date : message-id : from : subject : date;\r\n"
                + " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                + " b=";
        assertThat(bodyHash(Canonicalization.RELAXED, RFC8463_BODY)).isEqualTo("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
        byte[] data = MessageSigning.headerData(header, RFC8463_H, Canonicalization.RELAXED, unsigned);
        byte[] b = DkimAlgorithm.ED25519_SHA256.sign(rfc8463Key(), data);
        assertThat(Base64.getEncoder().encodeToString(b))
                .isEqualTo("/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
    }

    @Test
    void DKIM_04_simpleSimpleVariantOfTheSameExampleIsReproducedToo() throws Exception {
        // The simple/simple signature of the same message and key from the RFC's drafts (dkimpy keeps it as test
        // data): exercises the simple header algorithm on a field with trailing white space before each fold.
        HeaderSection header = HeaderSection.parse(RFC8463_HEADER.getBytes(StandardCharsets.US_ASCII));
        String unsigned = "DKIM-Signature: v=1; a=ed25519-sha256; c=simple/simple; \r\n"
                + " d=football.example.com; i=@football.example.com; \r\n"
                + " q=dns/txt; s=brisbane; t=1518460054; h=from : to : \r\n"
                + " subject : date : message-id : from : subject : date; \r\n"
                + " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \r\n"
                + " b=";
        assertThat(bodyHash(Canonicalization.SIMPLE, RFC8463_BODY)).isEqualTo("4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
        byte[] b = DkimAlgorithm.ED25519_SHA256.sign(rfc8463Key(),
                MessageSigning.headerData(header, RFC8463_H, Canonicalization.SIMPLE, unsigned));
        assertThat(Base64.getEncoder().encodeToString(b))
                .isEqualTo("9/dsDChY0YMTtD5Eyw3wx7x22BlSJP7M5ECbJ7GWrR45nXlTCGb8l0YBo0wBLR++X5LqmsxXaOYLLJe46l10AQ==");
    }

    @Test
    void DKIM_04_theDnsRecordOfTheRfcKeyHoldsThe32OctetRawKey() throws Exception {
        byte[] raw = new Ed25519PrivateKeyParameters(Base64.getDecoder().decode(RFC8463_SEED), 0).generatePublicKey().getEncoded();
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
                concat(HexFormat.of().parseHex("302a300506032b6570032100"), raw)));
        String text = DnsKeyRecord.text(DkimAlgorithm.ED25519_SHA256, pub);
        assertThat(text).isEqualTo("v=DKIM1; k=ed25519; p=" + RFC8463_PUBLIC);
        assertThat(DnsKeyRecord.masterFileLine("brisbane", "football.example.com", text))
                .isEqualTo("brisbane._domainkey.football.example.com. IN TXT \"v=DKIM1; k=ed25519; p=" + RFC8463_PUBLIC + "\"");
    }

    @Test
    void longRsaRecordsAreCutInto255OctetStrings() throws Exception {
        KeyPair pair = DkimKeyFile.generate(DkimAlgorithm.RSA_SHA256, 2048);
        String text = DnsKeyRecord.text(DkimAlgorithm.RSA_SHA256, pair.getPublic());
        String line = DnsKeyRecord.masterFileLine("s1", "example.org", text);
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(line);
        StringBuilder joined = new StringBuilder();
        int strings = 0;
        while (m.find()) {
            assertThat(m.group(1).length()).isLessThanOrEqualTo(255);
            joined.append(m.group(1));
            strings++;
        }
        assertThat(strings).isEqualTo(2); // 2048 bits: about 410 octets
        assertThat(joined.toString()).isEqualTo(text).startsWith("v=DKIM1; k=rsa; p=MII");
    }

    static final String MESSAGE_HEADER = """
            Received: from client.example.com by mail.example.com (Mailroom) with ESMTPSA id 25XP0000000000A; Fri, 11 Jul 2003 21:00:37 -0700\r
            Received: from earlier.example by x.example; Fri, 11 Jul 2003 21:00:00 -0700\r
            DKIM-Signature: v=1; a=rsa-sha256; d=elsewhere.example; s=x; h=from; bh=; b=\r
            From: Alice <alice@Example.COM>\r
            To: Carol <carol@remote.example>,\r
             Dave <dave@remote.example>\r
            Subject: over-signing\r
            Comments: not signed\r
            Resent-To: r1@remote.example\r
            Resent-To: r2@remote.example\r
            List-Id: <list.example.com>\r
            Date: Fri, 11 Jul 2003 21:00:37 -0700\r
            Message-ID: <1@example.com>\r
            X-Custom: not in the list\r
            """;

    @Test
    void DKIM_05_07_singletonsAreOverSignedAndTraceFieldsAndSignaturesNeverSigned() throws Exception {
        HeaderSection header = HeaderSection.parse(MESSAGE_HEADER.getBytes(StandardCharsets.US_ASCII));
        List<String> h = SignedHeaders.select(header, SignedHeaders.DEFAULT);
        // RFC 6376 section 5.4.2: each singleton once more than it occurs (absent ones once: the null string);
        // Resent-* and List-* as often as they occur
        assertThat(h).containsExactly("from", "from", "reply-to", "subject", "subject", "date", "date", "to", "to",
                "cc", "in-reply-to", "references", "message-id", "message-id", "sender", "mime-version",
                "content-type", "content-transfer-encoding", "resent-to", "resent-to", "list-id");
        assertThat(h).doesNotContain("dkim-signature", "received", "return-path", "comments", "keywords", "x-custom");
    }

    @Test
    void DKIM_07_multipleInstancesAreTakenFromTheBottomUp() throws Exception {
        HeaderSection header = HeaderSection.parse(MESSAGE_HEADER.getBytes(StandardCharsets.US_ASCII));
        String data = new String(SignedHeaders.data(header, List.of("resent-to", "resent-to", "resent-to", "from"),
                Canonicalization.RELAXED), StandardCharsets.US_ASCII);
        // the third resent-to has no instance left and contributes nothing
        assertThat(data).isEqualTo("resent-to:r2@remote.example\r\nresent-to:r1@remote.example\r\nfrom:Alice <alice@Example.COM>\r\n");
    }

    @Test
    void configuredHeaderListsAreChecked() {
        SignedHeaders.check(List.of("From", "Subject", "X-Mailer"));
        for (List<String> bad : List.of(List.of("Subject"), List.of("From", "Received"), List.of("From", "DKIM-Signature"),
                List.of("From", "from"), List.of("From", "Bad Name"), List.of("From", "Return-Path"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SignedHeaders.check(bad))
                    .as(bad.toString()).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** Writes a key file and returns its configuration entry. */
    DkimSettings.Key key(String domain, String selector, DkimAlgorithm algorithm, KeyPair pair) throws Exception {
        Path file = dir.resolve(selector + ".key");
        DkimKeyFile.write(file, pair.getPrivate());
        return new DkimSettings.Key(domain, selector, algorithm, file);
    }

    static Map<String, String> tags(String field) {
        String value = field.substring(field.indexOf(':') + 1).replaceAll("\r\n[ \t]", " ");
        Map<String, String> tags = new LinkedHashMap<>();
        for (String spec : value.split(";")) {
            if (!spec.isBlank()) {
                int eq = spec.indexOf('=');
                tags.put(spec.substring(0, eq).strip(), spec.substring(eq + 1).replaceAll("\\s", ""));
            }
        }
        return tags;
    }

    @Test
    void DKIM_10_11_dualSignatureTagsFoldingAndSelfConsistency() throws Exception {
        KeyPair rsa = DkimKeyFile.generate(DkimAlgorithm.RSA_SHA256, 2048);
        KeyPair ed = DkimKeyFile.generate(DkimAlgorithm.ED25519_SHA256, 0);
        DkimSettings settings = new DkimSettings(List.of(
                key("example.com", "rsa2026", DkimAlgorithm.RSA_SHA256, rsa),
                key("example.com", "ed2026", DkimAlgorithm.ED25519_SHA256, ed)),
                Canonicalization.Pair.RELAXED_RELAXED, Duration.ofDays(7), SignedHeaders.DEFAULT);
        Instant now = Instant.parse("2026-11-29T08:00:00Z");
        DkimSigner signer = DkimSigner.start(settings, Clock.fixed(now, ZoneOffset.UTC));
        byte[] headerBytes = MESSAGE_HEADER.getBytes(StandardCharsets.US_ASCII);
        MessageSigning signing = signer.forMessage(headerBytes).orElseThrow();
        assertThat(signing.domain()).isEqualTo("example.com"); // From: is at Example.COM: compared in lower case
        assertThat(signing.selectors()).containsExactly("rsa2026", "ed2026");
        signing.body().write("Hello\r\n".getBytes(StandardCharsets.US_ASCII));
        String fields = new String(signing.sign(), StandardCharsets.US_ASCII);

        String[] sigs = fields.split("\r\n(?![ \t])");
        assertThat(sigs).hasSize(2);
        HeaderSection header = HeaderSection.parse(headerBytes);
        PublicKey[] publicKeys = {rsa.getPublic(), ed.getPublic()};
        for (int i = 0; i < 2; i++) {
            String sig = sigs[i];
            assertThat(sig).startsWith("DKIM-Signature: v=1; a=" + (i == 0 ? "rsa-sha256" : "ed25519-sha256") + ";");
            for (String line : sig.split("\r\n")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(78); // HDR-07
            }
            Map<String, String> tags = tags(sig);
            assertThat(tags.keySet()).containsExactly("v", "a", "c", "d", "s", "t", "x", "h", "bh", "b");
            assertThat(tags).containsEntry("c", "relaxed/relaxed").containsEntry("d", "example.com")
                    .containsEntry("s", i == 0 ? "rsa2026" : "ed2026")
                    .containsEntry("t", String.valueOf(now.getEpochSecond()))
                    .containsEntry("x", String.valueOf(now.getEpochSecond() + 7 * 86400))
                    .containsEntry("bh", bodyHash(Canonicalization.RELAXED, "Hello\r\n"))
                    .doesNotContainKeys("l", "i");
            assertThat(List.of(tags.get("h").split(":"))).contains("from").doesNotContain("dkim-signature");
            // Verify with the public key over the data as RFC 6376 section 3.7 defines it: b= emptied in place.
            String unsigned = sig.substring(0, sig.lastIndexOf("b=") + 2);
            List<String> h = List.of(tags.get("h").split(":"));
            byte[] data = MessageSigning.headerData(header, h, Canonicalization.RELAXED, unsigned);
            Signature v = Signature.getInstance(i == 0 ? "SHA256withRSA" : "Ed25519");
            v.initVerify(publicKeys[i]);
            v.update(i == 0 ? data : java.security.MessageDigest.getInstance("SHA-256").digest(data));
            assertThat(v.verify(Base64.getDecoder().decode(tags.get("b")))).isTrue();
        }
        assertThat(fields).endsWith("\r\n");
    }

    @Test
    void aDomainWithoutKeysIsNotSignedAndNoExpiryMeansNoXTag() throws Exception {
        KeyPair ed = DkimKeyFile.generate(DkimAlgorithm.ED25519_SHA256, 0);
        DkimSettings settings = new DkimSettings(List.of(key("example.org", "e1", DkimAlgorithm.ED25519_SHA256, ed)),
                Canonicalization.Pair.parse("simple/simple"), Duration.ZERO, SignedHeaders.DEFAULT);
        DkimSigner signer = DkimSigner.start(settings, Clock.systemUTC());
        assertThat(signer.forMessage(MESSAGE_HEADER.getBytes(StandardCharsets.US_ASCII))).isEmpty();
        MessageSigning s = signer.forMessage("From: a@example.org\r\n".getBytes(StandardCharsets.US_ASCII)).orElseThrow();
        Map<String, String> tags = tags(new String(s.sign(), StandardCharsets.US_ASCII));
        assertThat(tags).containsEntry("c", "simple/simple").doesNotContainKey("x")
                .containsEntry("bh", "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY="); // the empty body, simple
        assertThat(DkimSigner.none().forMessage("From: a@example.org\r\n".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    @Test
    void HDR_07_manyHeaderNamesFoldBetweenNamesAndNoLineExceeds78() {
        FoldedField f = new FoldedField("DKIM-Signature").startTag("v=1;").startTag("h=from");
        for (int i = 0; i < 40; i++) {
            f.continueTag(":content-transfer-encoding");
        }
        f.continueTag(";").startTag("b=").base64("A".repeat(600));
        String text = f.text();
        for (String line : text.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(78);
            assertThat(line).isNotBlank();
        }
        // unfolded, nothing was lost or added but the folds
        assertThat(text.replace("\r\n ", "")).isEqualTo("DKIM-Signature: v=1; h=from" + ":content-transfer-encoding".repeat(40)
                + "; b=" + "A".repeat(600));
    }

    @Test
    void aKeyFileThatBreaksAfterStartMakesSigningFailAndAReplacedOneIsReadAgain() throws Exception {
        KeyPair first = DkimKeyFile.generate(DkimAlgorithm.ED25519_SHA256, 0);
        DkimSettings.Key k = key("example.org", "e1", DkimAlgorithm.ED25519_SHA256, first);
        DkimSigner signer = DkimSigner.start(new DkimSettings(List.of(k), Canonicalization.Pair.RELAXED_RELAXED,
                Duration.ZERO, SignedHeaders.DEFAULT), Clock.systemUTC());
        byte[] header = "From: a@example.org\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(signer.forMessage(header).orElseThrow().sign()).isNotEmpty();

        Files.writeString(k.privateKey(), "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> signer.forMessage(header).orElseThrow().sign())
                .isInstanceOf(DkimException.class).hasMessageContaining(k.privateKey().toString())
                .hasMessageNotContaining("PRIVATE KEY");

        Files.delete(k.privateKey());
        KeyPair second = DkimKeyFile.generate(DkimAlgorithm.ED25519_SHA256, 0);
        DkimKeyFile.write(k.privateKey(), second.getPrivate());
        String sig = new String(signer.forMessage(header).orElseThrow().sign(), StandardCharsets.US_ASCII);
        Signature v = Signature.getInstance("Ed25519");
        Map<String, String> tags = tags(sig);
        v.initVerify(second.getPublic());
        v.update(java.security.MessageDigest.getInstance("SHA-256").digest(MessageSigning.headerData(
                HeaderSection.parse(header), List.of(tags.get("h").split(":")), Canonicalization.RELAXED,
                sig.substring(0, sig.lastIndexOf("b=") + 2))));
        assertThat(v.verify(Base64.getDecoder().decode(tags.get("b")))).isTrue();
    }
}
