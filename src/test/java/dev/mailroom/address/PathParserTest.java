package dev.mailroom.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.PathParser.Options;
import dev.mailroom.address.PathParser.ParsedPath;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathParserTest {

    static final Options FWD = new Options(false, false, false);
    static final Options REV = new Options(true, false, false);
    static final Options UTF8 = new Options(false, false, true);
    static final Options UNQ = new Options(false, true, false);

    static Mailbox ok(String path, Options o) throws AddressException {
        ParsedPath p = PathParser.parse(path, 0, o);
        assertThat(p.end()).isEqualTo(path.length());
        return p.mailbox();
    }

    static AddressException fail(String path, Options o) {
        try {
            PathParser.parse(path, 0, o);
        } catch (AddressException e) {
            return e;
        }
        throw new AssertionError("accepted: " + path);
    }

    static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** A syntactically valid domain of exactly n octets, labels of at most 63. */
    static String domainOf(int n) {
        StringBuilder b = new StringBuilder();
        while (b.length() < n) {
            int left = n - b.length();
            if (!b.isEmpty()) {
                b.append('.');
                left--;
            }
            int len = Math.min(63, left);
            if (left - len == 1) {
                len--; // avoid leaving room for a "." with an empty label
            }
            b.append(repeat('a', len));
        }
        return b.toString();
    }

    @Test
    void parsesSimplePathAndReportsEnd() throws Exception {
        String line = "MAIL FROM:<alice@example.org> SIZE=100";
        ParsedPath p = PathParser.parse(line, 10, REV);
        assertThat(p.mailbox()).isEqualTo(new Mailbox("alice", "example.org"));
        assertThat(p.end()).isEqualTo(line.indexOf(' ', 10));
        assertThat(p.isNull()).isFalse();
    }

    @Test
    void mustStartWithAngleBracket() {
        assertThat(fail("alice@example.org", FWD).reason()).contains("'<'");
    }

    @Nested
    class NullPath {
        @Test
        void nullReversePathAllowed() throws Exception {
            ParsedPath p = PathParser.parse("<> BODY=8BITMIME", 0, REV);
            assertThat(p.mailbox()).isNull();
            assertThat(p.isNull()).isTrue();
            assertThat(p.end()).isEqualTo(2);
        }

        @Test
        void nullForwardPathRejected() {
            assertThat(fail("<>", FWD).reason()).isEqualTo("null path not allowed here");
        }
    }

    @ParameterizedTest(name = "SMTP-11 valid: {0}")
    @CsvSource(delimiter = '|', value = {
        "<a@b.c>|a|b.c",
        "<first.last@example.org>|first.last|example.org",
        "<x!#$%&'*+-/=?^_`{}~y@example.org>|x!#$%&'*+-/=?^_`{}~y|example.org",
        "<A@EXAMPLE.ORG>|A|EXAMPLE.ORG",
        "<a@a-b.c0>|a|a-b.c0",
        "<a@1.2.3>|a|1.2.3",
        "<a@localhost>|a|localhost",
        "<\"john doe\"@example.org>|\"john doe\"|example.org",
        "<\"a>b\"@example.org>|\"a>b\"|example.org",
        "<\"a\\\"b\"@example.org>|\"a\\\"b\"|example.org",
        "<\"\"@example.org>|\"\"|example.org",
        "<\"a@b\"@example.org>|\"a@b\"|example.org",
        "<a@[192.0.2.1]>|a|[192.0.2.1]",
        "<a@[0.0.0.0]>|a|[0.0.0.0]",
        "<a@[255.255.255.255]>|a|[255.255.255.255]",
        "<a@[IPv6:2001:db8::1]>|a|[IPv6:2001:db8::1]",
        "<a@[ipv6:::1]>|a|[ipv6:::1]",
        "<a@[IPv6:1:2:3:4:5:6:7:8]>|a|[IPv6:1:2:3:4:5:6:7:8]",
        "<a@[IPv6:::]>|a|[IPv6:::]",
        "<a@[IPv6:1::]>|a|[IPv6:1::]",
        "<a@[IPv6:::ffff:192.0.2.1]>|a|[IPv6:::ffff:192.0.2.1]",
        "<a@[IPv6:1:2:3:4:5:6:192.0.2.1]>|a|[IPv6:1:2:3:4:5:6:192.0.2.1]",
        "<a@[IPv6:1::5:6:192.0.2.1]>|a|[IPv6:1::5:6:192.0.2.1]",
        "<a@[IPv6:1:2:3::6:7:8]>|a|[IPv6:1:2:3::6:7:8]",
        "<a@[IPv6:ABCD:ef01::]>|a|[IPv6:ABCD:ef01::]",
    })
    void validPaths(String path, String local, String domain) throws Exception {
        assertThat(ok(path, FWD)).isEqualTo(new Mailbox(local, domain));
    }

    @ParameterizedTest(name = "SMTP-11 / MSA-12 invalid: {0}")
    @CsvSource(delimiter = '|', value = {
        "<a@@b>|invalid character in domain",
        "<a@x_y.example>|invalid character in domain",
        "<a@-x.example>|domain label must not begin or end with '-'",
        "<a@x-.example>|domain label must not begin or end with '-'",
        "<a@x..example>|empty label in domain",
        "<a@.example>|empty label in domain",
        "<a@example.>|empty label in domain",
        "<a@>|empty label in domain",
        "<.a@b>|empty atom in local-part",
        "<a.@b>|empty atom in local-part",
        "<a..b@c>|empty atom in local-part",
        "<a b@c>|invalid character in local-part",
        "< a@b>|invalid character in local-part",
        "<a@b >|invalid character in domain",
        "<a@b|unterminated path",
        "<a(b)@c>|invalid character in local-part",
        "<\"abc@d>|unterminated quoted string",
        "<\"a\\|unterminated quoted string",
        "<a@[192.0.2.256]>|invalid IPv4 address literal",
        "<a@[192.0.2]>|invalid IPv4 address literal",
        "<a@[192.0.2.1.5]>|invalid IPv4 address literal",
        "<a@[1.2.3.04a]>|invalid IPv4 address literal",
        "<a@[]>|invalid IPv4 address literal",
        "<a@[192.0.2.1>|unterminated address literal",
        "<a@[IPv6:1:2:3:4:5:6:7]>|invalid IPv6 address literal",
        "<a@[IPv6:1:2:3:4:5:6:7:8:9]>|invalid IPv6 address literal",
        "<a@[IPv6:1::2::3]>|invalid IPv6 address literal",
        "<a@[IPv6:12345::]>|invalid IPv6 address literal",
        "<a@[IPv6:g::1]>|invalid IPv6 address literal",
        "<a@[IPv6:1:2:3:4:5:6:7::]>|invalid IPv6 address literal",
        "<a@[IPv6:1:2:3:4:5:6:7:192.0.2.1]>|invalid IPv6 address literal",
        "<a@[IPv6::192.0.2.1]>|invalid IPv6 address literal",
        "<a@[IPv6:1:2:3:4:5::192.0.2.1]>|invalid IPv6 address literal",
        "<a@[IPv6:]>|invalid IPv6 address literal",
        "<a@[IPv6:1:]>|invalid IPv6 address literal",
        "<a@[IPv6:2001:db8::1.2.3]>|invalid IPv6 address literal",
        "<a@[x-tag:foo]>|unsupported address literal",
        "<a@[192.0.2.1]x>|invalid character in domain",
        "<a>|address must be fully qualified",
        "<@x.example>|invalid character in source route",
        "<@x.example,b@c>|invalid character in source route",
        "<@[192.0.2.1]:a@b>|invalid source route",
        "<@x_y:a@b>|invalid character in source route",
        "<<a@b>>|invalid character in local-part",
    })
    void invalidPaths(String path, String reason) {
        AddressException e = fail(path, FWD);
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.utf8Required()).isFalse();
    }

    @Test
    void verticalBarIsAtext() throws Exception {
        assertThat(ok("<a|b@example.org>", FWD)).isEqualTo(new Mailbox("a|b", "example.org"));
    }

    @Test
    void smtp11UnderscoreInDomainRejected() {
        assertThat(fail("<a@x_y.example>", FWD).reason()).contains("domain");
    }

    @Test
    void msa12DoubleAtRejected() {
        assertThat(fail("<a@@b>", REV).reason()).isNotBlank();
    }

    @Nested
    class Smtp25Limits {
        @Test
        void localPartOf64OctetsAccepted() throws Exception {
            String local = repeat('l', 64);
            assertThat(ok("<" + local + "@example.org>", FWD).localPart()).isEqualTo(local);
        }

        @Test
        void localPartOf65OctetsRejected() {
            assertThat(fail("<" + repeat('l', 65) + "@example.org>", FWD).reason())
                    .isEqualTo("local-part too long (max 64 octets)");
        }

        @Test
        void quotedLocalPartCountsItsQuotes() throws Exception {
            ok("<\"" + repeat('q', 62) + "\"@example.org>", FWD);
            assertThat(fail("<\"" + repeat('q', 63) + "\"@example.org>", FWD).reason()).contains("local-part too long");
        }

        @Test
        void utf8LocalPartCountsOctetsNotCharacters() throws Exception {
            ok("<" + "é".repeat(32) + "@example.org>", UTF8);
            assertThat(fail("<" + "é".repeat(33) + "@example.org>", UTF8).reason()).contains("local-part too long");
        }

        @Test
        void domainOf255OctetsAccepted() {
            // In a path the 256-octet path limit bites first ("<" + local + "@" + 255 + ">" > 256), so the
            // domain limit on its own is visible through isValidDomain (used for EHLO and policy domains).
            String d = domainOf(255);
            assertThat(d).hasSize(255);
            assertThat(PathParser.isValidDomain(d)).isTrue();
        }

        @Test
        void domainOf252OctetsInAFullPath() throws Exception {
            String d = domainOf(252);
            assertThat(ok("<a@" + d + ">", FWD).domain()).isEqualTo(d);
        }

        @Test
        void domainOf256OctetsRejected() {
            String d = domainOf(256);
            assertThat(d).hasSize(256);
            assertThat(fail("<a@" + d + ">", FWD).reason()).isEqualTo("domain too long (max 255 octets)");
            assertThat(PathParser.isValidDomain(d)).isFalse();
        }

        @Test
        void labelOf63Accepted64Rejected() throws Exception {
            ok("<a@" + repeat('x', 63) + ".org>", FWD);
            assertThat(fail("<a@" + repeat('x', 64) + ".org>", FWD).reason()).contains("label too long");
        }

        @Test
        void pathOf256OctetsAccepted() throws Exception {
            // "<" + 64 + "@" + 189 + ">" = 256
            String path = "<" + repeat('l', 64) + "@" + domainOf(189) + ">";
            assertThat(path).hasSize(256);
            ok(path, FWD);
        }

        @Test
        void pathOf257OctetsRejected() {
            String path = "<" + repeat('l', 64) + "@" + domainOf(190) + ">";
            assertThat(path).hasSize(257);
            assertThat(fail(path, FWD).reason()).isEqualTo("path too long (max 256 octets)");
        }

        @Test
        void pathOf300OctetsRejected() {
            String path = "<@" + domainOf(100) + ":" + repeat('l', 60) + "@" + domainOf(130) + ">";
            assertThat(path.length()).isGreaterThan(256);
            assertThat(fail(path, FWD).reason()).contains("path too long");
        }
    }

    @Nested
    class Smtp41Postmaster {
        @ParameterizedTest
        @ValueSource(strings = {"<postmaster>", "<PostMaster>", "<POSTMASTER>"})
        void postmasterWithoutDomainAlwaysAccepted(String path) throws Exception {
            Mailbox m = ok(path, FWD);
            assertThat(m.isQualified()).isFalse();
            assertThat(m.localPart()).isEqualToIgnoringCase("postmaster");
        }

        @Test
        void postmasterWithDomainIsOrdinary() throws Exception {
            assertThat(ok("<postmaster@example.org>", FWD)).isEqualTo(new Mailbox("postmaster", "example.org"));
        }

        @Test
        void otherUnqualifiedOnlyWhenAllowed() throws Exception {
            assertThat(fail("<alice>", FWD).reason()).isEqualTo("address must be fully qualified");
            assertThat(ok("<alice>", UNQ)).isEqualTo(new Mailbox("alice", null));
            assertThat(ok("<\"al ice\">", UNQ)).isEqualTo(new Mailbox("\"al ice\"", null));
        }

        @Test
        void postmasterPrefixIsNotPostmaster() {
            assertThat(fail("<postmasters>", FWD).reason()).isEqualTo("address must be fully qualified");
        }
    }

    @Nested
    class Smtp42SourceRoute {
        @ParameterizedTest
        @ValueSource(strings = {"<@x.example:bob@ourdom>", "<@a.example,@b.example:bob@ourdom>",
            "<@a,@b,@c:bob@ourdom>"})
        void routeIsStripped(String path) throws Exception {
            assertThat(ok(path, FWD)).isEqualTo(new Mailbox("bob", "ourdom"));
        }

        @Test
        void routeFollowedByNothingIsRejected() {
            assertThat(fail("<@a:>", FWD).reason()).isNotBlank();
            assertThat(fail("<@a,:b@c>", FWD).reason()).isEqualTo("invalid character in source route");
        }
    }

    @Nested
    class Utf8 {
        @Test
        void utf803Utf8AddressAcceptedWithSmtputf8() throws Exception {
            Mailbox m = ok("<用户@例子.测试>", UTF8);
            assertThat(m).isEqualTo(new Mailbox("用户", "例子.测试"));
            assertThat(PathParser.toAsciiDomain(m.domain())).isEqualTo("xn--fsqu00a.xn--0zwm56d");
        }

        @ParameterizedTest
        @ValueSource(strings = {"<用户@example.org>", "<a@例子.测试>", "<\"ü ber\"@example.org>", "<a@b.c>"})
        void utf8Forms(String path) throws Exception {
            ok(path, UTF8);
        }

        @ParameterizedTest
        @ValueSource(strings = {"<用户@例子.测试>", "<用户@example.org>", "<a@例子.测试>", "<\"ü\"@example.org>"})
        void utf804NonAsciiWithoutSmtputf8Rejected(String path) {
            AddressException e = fail(path, FWD);
            assertThat(e.utf8Required()).isTrue();
            assertThat(e.reason()).isEqualTo("non-ASCII address requires SMTPUTF8");
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "<a\uFFFDb@example.org>",      // malformed UTF-8 replaced by the decoder
            "<a\uD800b@example.org>",      // lone surrogate
            "<a\u0085@example.org>",       // C1 control
            "<a@ex\uFFFD.org>",
            "<a@ex_ü.org>",
            "<a@例子\u3002测试>",             // ideographic full stop is not a label separator here
            "<a@例 子.org>",
        })
        void invalidUtf8Rejected(String path) {
            AddressException e = fail(path, UTF8);
            assertThat(e.utf8Required()).isFalse();
        }

        @Test
        void supplementaryCharacterAccepted() throws Exception {
            assertThat(ok("<😀@example.org>", UTF8).localPart()).isEqualTo("😀");
        }
    }

    @Nested
    class Helpers {
        @ParameterizedTest
        @ValueSource(strings = {"example.org", "a", "a-b.c", "xn--fsqu00a.xn--0zwm56d", "例子.测试", "0.example"})
        void validDomains(String d) {
            assertThat(PathParser.isValidDomain(d)).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", ".", "a.", ".a", "a..b", "-a", "a-", "a_b", "a b", "[192.0.2.1]", "a@b"})
        void invalidDomains(String d) {
            assertThat(PathParser.isValidDomain(d)).isFalse();
        }

        @Test
        void nullDomainIsInvalid() {
            assertThat(PathParser.isValidDomain(null)).isFalse();
        }

        @Test
        void utf8DomainInvalidWithoutUtf8() {
            assertThat(PathParser.isValidDomain("例子.测试", false)).isFalse();
        }

        @Test
        void toAsciiLeavesAsciiAndLiteralsAlone() {
            assertThat(PathParser.toAsciiDomain("Example.ORG")).isEqualTo("Example.ORG");
            assertThat(PathParser.toAsciiDomain("[192.0.2.1]")).isEqualTo("[192.0.2.1]");
            assertThat(PathParser.toAsciiDomain(null)).isNull();
            assertThat(PathParser.toAsciiDomain("bücher.example")).isEqualTo("xn--bcher-kva.example");
        }

        @Test
        void toAsciiRejectsInvalid() {
            assertThatThrownBy(() -> PathParser.toAsciiDomain("bü_cher.example"))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void parseWholeRejectsTrailingText() throws Exception {
            assertThat(PathParser.parseWhole("<a@b>", FWD)).isEqualTo(new Mailbox("a", "b"));
            assertThatThrownBy(() -> PathParser.parseWhole("<a@b>x", FWD)).isInstanceOf(AddressException.class);
        }
    }
}
