package dev.mailroom.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/**
 * The inputs of the benchmarks, made the same way on every run (fixed seeds): a header section such as a
 * received message has, and DATA content of a given size with the dot-stuffing a client adds.
 */
public final class Inputs {

    private static final String[] WORDS = {
        "the", "report", "quarter", "figures", "meeting", "please", "find", "attached", "regards", "budget",
        "we", "will", "review", "next", "week", "and", "send", "an", "update", "on", "schedule", "of", "for",
        "customer", "delivery", "server", "mail", "to", "with", "as", "discussed", "thanks", "project",
    };

    private Inputs() {
    }

    /**
     * A header section of 16 fields as a message arrives at a relay (CRLF-terminated, without the empty line):
     * two folded Received fields, a folded DKIM-Signature with a 2048-bit RSA signature's base64, a folded
     * References and Content-Type, and the usual originator, destination and identification fields.
     */
    public static byte[] headerSection() {
        Random random = new Random(5322);
        String bodyHash = base64(random, 32);
        String signature = base64(random, 256); // RSA-2048: 344 base64 characters
        String header = String.join("\r\n",
                "Received: from mail.example.org (mail.example.org [192.0.2.10])",
                "\tby mx.example.net (Mailroom) with ESMTPS id 4F2A9C71D0",
                "\t(TLSv1.3 TLS_AES_256_GCM_SHA384) for <bob@example.net>; Sun, 29 Nov 2026 10:15:02 +0000",
                "Received: from client.example.org (client.example.org [198.51.100.7])",
                "\tby mail.example.org (Mailroom) with ESMTPSA id 9B1D7E02AA",
                "\t(authenticated as alice); Sun, 29 Nov 2026 10:15:01 +0000",
                "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;",
                "\ts=sel2026; t=1795860901; h=from:to:cc:subject:date:message-id:",
                "\treferences:in-reply-to:mime-version:content-type;",
                "\tbh=" + bodyHash + ";",
                "\tb=" + signature.substring(0, 72),
                "\t " + signature.substring(72, 144),
                "\t " + signature.substring(144, 216),
                "\t " + signature.substring(216, 288),
                "\t " + signature.substring(288),
                "MIME-Version: 1.0",
                "Date: Sun, 29 Nov 2026 11:15:00 +0100",
                "From: Alice Sender <alice.sender@example.org>",
                "To: Bob Receiver <bob@example.net>, \"Carol R.\" <carol.receiver@mail.example.net>",
                "Cc: dave@example.com",
                "Subject: Quarterly report: the figures for Q3 and the plan for the next quarter",
                "Message-ID: <20261129101500.4711.alice@example.org>",
                "In-Reply-To: <20261128164233.0815.bob@example.net>",
                "References: <20261127090112.0042.alice@example.org>",
                " <20261128164233.0815.bob@example.net>",
                "Content-Type: multipart/alternative;",
                "\tboundary=\"=_mailroom_b7c1e0f4a2d94c3b\"",
                "Content-Language: en-GB",
                "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
                "List-Unsubscribe: <mailto:unsubscribe@lists.example.org?subject=unsubscribe>") + "\r\n";
        return header.getBytes(StandardCharsets.US_ASCII);
    }

    private static String base64(Random random, int octets) {
        byte[] b = new byte[octets];
        random.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * Message content of exactly {@code size} octets as the server stores it (before stuffing): a header
     * section (the full one of {@link #headerSection()} when it takes at most half the size, else five short
     * fields), the empty line, then lines of text of 40 to 76 characters, each ending in CRLF. One line in
     * ten starts with a dot (an ellipsis, a ".signature", a lone "."), which the client has to stuff.
     */
    public static byte[] content(int size) {
        Random random = new Random(size);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        byte[] header = headerSection();
        if (header.length > size / 2) {
            header = String.join("\r\n",
                    "From: Alice Sender <alice.sender@example.org>",
                    "To: Bob Receiver <bob@example.net>",
                    "Subject: Quarterly report",
                    "Date: Sun, 29 Nov 2026 11:15:00 +0100",
                    "Message-ID: <20261129101500.4711.alice@example.org>",
                    "").getBytes(StandardCharsets.US_ASCII);
        }
        out.writeBytes(header);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        String[] dotted = {".", "...and more of the same", ".signature follows", ". indented by a dot"};
        int lineNumber = 0;
        while (true) {
            int room = size - out.size() - 2; // for the text of a line
            StringBuilder line = new StringBuilder();
            if (++lineNumber % 10 == 5) {
                line.append(dotted[random.nextInt(dotted.length)]);
            } else {
                int target = 40 + random.nextInt(37);
                while (line.length() < target) {
                    line.append(line.isEmpty() ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
                }
            }
            if (room < 80) { // the last line takes exactly what is left
                while (line.length() < room) {
                    line.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
                }
                line.setLength(room);
                out.writeBytes((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                return out.toByteArray();
            }
            out.writeBytes((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** What the client sends after DATA (RFC 5321 section 4.5.2): each leading dot doubled, then CRLF . CRLF. */
    public static byte[] dotStuffed(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 64);
        boolean lineStart = true;
        for (byte b : content) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
