package dev.mailroom.address;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz targets for the two address grammars: the RFC 5321 Path of MAIL/RCPT and the RFC 5322 address
 * fields. Only {@link AddressException} may escape, and what was accepted must be accepted again in the
 * form Mailroom writes it. The first input byte selects the options (see {@link #options}); the rest is the
 * text, decoded as UTF-8 with replacement as the session decodes a command line. Corpus under
 * {@code AddressFuzzTestInputs/<method>/}; longer runs: README, Tests.
 */
class AddressFuzzTest {

    /** Bit 0: null path allowed, bit 1: unqualified allowed, bit 2: SMTPUTF8. */
    private static PathParser.Options options(byte flags) {
        return new PathParser.Options((flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
    }

    private static String text(byte[] input) {
        return new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    }

    /** A parsed path re-parses, as {@code <address>}, to the same mailbox (what the spool and the next hop see). */
    @FuzzTest(maxDuration = "10m")
    void path(byte[] input) {
        if (input.length == 0) {
            return;
        }
        PathParser.Options options = options(input[0]);
        String s = text(input);
        PathParser.ParsedPath parsed;
        try {
            parsed = PathParser.parse(s, 0, options);
        } catch (AddressException e) {
            assertThat(e.reason()).isNotBlank();
            return;
        }
        assertThat(parsed.end()).isBetween(2, s.length());
        assertThat(s.charAt(parsed.end() - 1)).isEqualTo('>');
        if (parsed.isNull()) {
            assertThat(options.allowNull()).isTrue();
            return;
        }
        Mailbox mailbox = parsed.mailbox();
        assertThat(mailbox.isQualified() || options.allowUnqualified()).isTrue();
        assertThat(mailbox.isAscii() || options.allowUtf8()).isTrue();
        try {
            assertThat(PathParser.parseWhole("<" + mailbox.address() + ">", options)).isEqualTo(mailbox);
        } catch (AddressException e) {
            throw new AssertionError("accepted " + s + " as " + mailbox + ", which does not parse again: " + e.reason());
        }
    }

    /**
     * An address-list (To, Cc, Bcc) or mailbox-list (From). The spans point into the value; qualifying every
     * unqualified address in place, as the MSA does (RFC 6409 section 8.8), gives a value that parses to the
     * same number of addresses, all qualified.
     */
    @FuzzTest(maxDuration = "10m")
    void headerAddresses(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean utf8 = (input[0] & 4) != 0;
        boolean groups = (input[0] & 1) != 0;
        String value = text(input);
        List<HeaderAddressParser.HeaderAddress> list;
        try {
            list = groups ? HeaderAddressParser.parseAddressList(value, utf8)
                    : HeaderAddressParser.parseMailboxList(value, utf8);
        } catch (AddressException e) {
            assertThat(e.reason()).isNotBlank();
            return;
        }
        int previousEnd = 0;
        for (HeaderAddressParser.HeaderAddress a : list) {
            assertThat(a.start()).isBetween(previousEnd, a.end());
            assertThat(a.end()).isLessThanOrEqualTo(value.length());
            assertThat(a.mailbox().isAscii() || utf8).isTrue();
            previousEnd = a.end();
        }
        assertThat(HeaderAddressParser.rewrite(value, list, m -> m)).isEqualTo(value);
        String qualified = HeaderAddressParser.rewrite(value, list,
                m -> m.isQualified() ? m : m.withDomain("example.org"));
        try {
            List<HeaderAddressParser.HeaderAddress> again = HeaderAddressParser.parseAddressList(qualified, utf8);
            assertThat(again).hasSameSizeAs(list);
            assertThat(again).allMatch(a -> a.mailbox().isQualified());
        } catch (AddressException e) {
            throw new AssertionError("qualified " + Arrays.toString(value.toCharArray()) + " to " + qualified
                    + ", which does not parse: " + e.reason());
        }
    }
}
