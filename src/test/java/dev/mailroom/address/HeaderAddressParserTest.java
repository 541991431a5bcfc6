package dev.mailroom.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.HeaderAddressParser.HeaderAddress;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderAddressParserTest {

    static List<HeaderAddress> list(String v) throws AddressException {
        return HeaderAddressParser.parseAddressList(v, false);
    }

    static List<Mailbox> mailboxes(String v) throws AddressException {
        return list(v).stream().map(HeaderAddress::mailbox).toList();
    }

    static String span(String v, HeaderAddress a) {
        return v.substring(a.start(), a.end());
    }

    @Nested
    class Mailboxes {
        @Test
        void bareAddrSpec() throws Exception {
            String v = "alice@example.org";
            HeaderAddress a = list(v).getFirst();
            assertThat(a.displayName()).isNull();
            assertThat(a.mailbox()).isEqualTo(new Mailbox("alice", "example.org"));
            assertThat(span(v, a)).isEqualTo(v);
        }

        @Test
        void displayNameAndAngleAddr() throws Exception {
            String v = "Alice Liddell <alice@example.org>";
            HeaderAddress a = list(v).getFirst();
            assertThat(a.displayName()).isEqualTo("Alice Liddell");
            assertThat(span(v, a)).isEqualTo("alice@example.org");
        }

        @Test
        void quotedDisplayNameWithCommaAndEscapes() throws Exception {
            String v = "\"Liddell, Alice \\\"Al\\\"\" <alice@example.org>, bob@example.org";
            List<HeaderAddress> as = list(v);
            assertThat(as).hasSize(2);
            assertThat(as.get(0).displayName()).isEqualTo("Liddell, Alice \"Al\"");
            assertThat(as.get(1).mailbox()).isEqualTo(new Mailbox("bob", "example.org"));
        }

        @Test
        void obsPhraseWithDot() throws Exception {
            assertThat(list("John Q. Public <jqp@example.org>").getFirst().displayName()).isEqualTo("John Q. Public");
        }

        @Test
        void encodedWordIsJustAnAtom() throws Exception {
            assertThat(list("=?UTF-8?Q?J=C3=B6rg?= <j@example.org>").getFirst().displayName())
                    .isEqualTo("=?UTF-8?Q?J=C3=B6rg?=");
        }

        @Test
        void angleAddrWithoutDisplayName() throws Exception {
            HeaderAddress a = list("<a@b.c>").getFirst();
            assertThat(a.displayName()).isNull();
            assertThat(a.mailbox()).isEqualTo(new Mailbox("a", "b.c"));
        }

        @Test
        void commentsAnywhere() throws Exception {
            String v = "(lead) Alice (the (nested) one) <(c1) alice (c2) @ (c3) example.org (c4)> (trail), "
                    + "bob@example.org (Bob)";
            List<HeaderAddress> as = list(v);
            assertThat(as).extracting(HeaderAddress::mailbox)
                    .containsExactly(new Mailbox("alice", "example.org"), new Mailbox("bob", "example.org"));
            assertThat(as.getFirst().displayName()).isEqualTo("Alice");
            assertThat(span(v, as.getFirst())).isEqualTo("alice (c2) @ (c3) example.org");
        }

        @Test
        void quotedLocalPartKeepsQuotes() throws Exception {
            assertThat(mailboxes("\"john doe\"@example.org, <\"a>b\"@example.org>"))
                    .containsExactly(new Mailbox("\"john doe\"", "example.org"), new Mailbox("\"a>b\"", "example.org"));
        }

        @Test
        void domainLiteral() throws Exception {
            assertThat(mailboxes("a@[192.0.2.1], b@[IPv6:2001:db8::1]"))
                    .containsExactly(new Mailbox("a", "[192.0.2.1]"), new Mailbox("b", "[IPv6:2001:db8::1]"));
        }

        @Test
        void obsLocalPartAndDomain() throws Exception {
            assertThat(mailboxes("a . \"b c\" . d @ x . y")).containsExactly(new Mailbox("a.\"b c\".d", "x.y"));
        }

        @Test
        void obsRouteIgnored() throws Exception {
            String v = "<@relay.example,@other.example:alice@example.org>";
            HeaderAddress a = list(v).getFirst();
            assertThat(a.mailbox()).isEqualTo(new Mailbox("alice", "example.org"));
            assertThat(span(v, a)).isEqualTo("alice@example.org");
        }

        @Test
        void emptyElementsAreObsSyntax() throws Exception {
            assertThat(mailboxes(", a@x, , b@y,")).containsExactly(new Mailbox("a", "x"), new Mailbox("b", "y"));
        }

        @Test
        void foldedValueTolerated() throws Exception {
            assertThat(mailboxes("a@x,\r\n b@y")).hasSize(2);
        }
    }

    @Nested
    class Unqualified {
        @Test
        void msa09BareLocalPartIsUnqualified() throws Exception {
            String v = "bob";
            HeaderAddress a = list(v).getFirst();
            assertThat(a.mailbox()).isEqualTo(new Mailbox("bob", null));
            assertThat(a.mailbox().isQualified()).isFalse();
            assertThat(span(v, a)).isEqualTo("bob");
        }

        @Test
        void unqualifiedInAngleBrackets() throws Exception {
            String v = "Bob <bob>, carol (c)";
            List<HeaderAddress> as = list(v);
            assertThat(as).extracting(HeaderAddress::mailbox).containsExactly(new Mailbox("bob", null), new Mailbox("carol", null));
            assertThat(span(v, as.get(1))).isEqualTo("carol");
        }

        @Test
        void twoWordsWithoutAngleBracketsIsNotAnAddress() {
            assertThatThrownBy(() -> list("John Smith")).isInstanceOf(AddressException.class)
                    .hasMessageContaining("missing '@'");
        }
    }

    @Nested
    class Groups {
        @Test
        void emptyGroup() throws Exception {
            assertThat(list("undisclosed-recipients:;")).isEmpty();
            assertThat(list("undisclosed-recipients: (none) ;  ")).isEmpty();
        }

        @Test
        void groupMembersFlattened() throws Exception {
            String v = "team: a@x, B <b@y>;, c@z, \"Other, team\": d@w;";
            assertThat(mailboxes(v)).containsExactly(new Mailbox("a", "x"), new Mailbox("b", "y"),
                    new Mailbox("c", "z"), new Mailbox("d", "w"));
        }

        @Test
        void groupsNotAllowedInMailboxList() {
            assertThatThrownBy(() -> HeaderAddressParser.parseMailboxList("team: a@x;", false))
                    .isInstanceOf(AddressException.class).hasMessage("group not allowed here");
        }

        @ParameterizedTest
        @ValueSource(strings = {"team: a@x", "team: a@x,", "a: b: c@d;;", ": a@x;", "team: a@x; b@y"})
        void malformedGroups(String v) {
            assertThatThrownBy(() -> list(v)).isInstanceOf(AddressException.class);
        }
    }

    @Nested
    class Invalid {
        @ParameterizedTest(name = "MSA-13 rejects {0}")
        @CsvSource(delimiter = '|', value = {
            "<<bad>>|unexpected '<' in address list",
            "<a@b|unbalanced '<'",
            "a@b>|unexpected '>' in address list",
            "\"unterminated@x|unbalanced quote",
            "a (comment@x|unbalanced comment",
            "a@x)|unbalanced comment",
            "a@[1.2.3.4|unbalanced '['",
            "a@1.2]|unbalanced ']'",
            "a@|missing domain",
            "@x|unexpected '@' in address list",
            "a@@x|invalid domain",
            "a@x..y|invalid domain",
            "a@x.|missing domain",
            ".a@x|invalid local-part",
            "a..b@x|invalid local-part",
            "a@x b@y|unexpected text in address list",
            "<>|empty address",
            "a\\b@x|invalid character in address list",
            "a\u0001@x|invalid character in address list",
        })
        void rejected(String v, String reason) {
            assertThatThrownBy(() -> list(v)).isInstanceOf(AddressException.class).hasMessage(reason);
        }

        @Test
        void emptyFromRejected() {
            assertThatThrownBy(() -> HeaderAddressParser.parseMailboxList("  (nobody) ", false))
                    .isInstanceOf(AddressException.class).hasMessage("empty address list");
        }

        @Test
        void emptyBccAllowed() throws Exception {
            assertThat(list("")).isEmpty();
            assertThat(list("  ")).isEmpty();
        }

        @Test
        void senderNeedsExactlyOneMailbox() throws Exception {
            assertThat(HeaderAddressParser.parseMailbox("a@x", false).mailbox()).isEqualTo(new Mailbox("a", "x"));
            assertThatThrownBy(() -> HeaderAddressParser.parseMailbox("a@x, b@y", false))
                    .isInstanceOf(AddressException.class);
        }
    }

    @Nested
    class Utf8 {
        @Test
        void utf8AddressesWithRfc6532() throws Exception {
            List<HeaderAddress> as = HeaderAddressParser.parseAddressList("Jörg Ü <用户@例子.测试>, (ça) ü@x", true);
            assertThat(as.getFirst().displayName()).isEqualTo("Jörg Ü");
            assertThat(as).extracting(HeaderAddress::mailbox)
                    .containsExactly(new Mailbox("用户", "例子.测试"), new Mailbox("ü", "x"));
        }

        @Test
        void nonAsciiWithoutUtf8Rejected() {
            assertThatThrownBy(() -> HeaderAddressParser.parseAddressList("Jörg <j@x>", false))
                    .isInstanceOfSatisfying(AddressException.class, e -> assertThat(e.utf8Required()).isTrue());
        }

        @Test
        void c1ControlRejectedEvenWithUtf8() {
            assertThatThrownBy(() -> HeaderAddressParser.parseAddressList("a\u0085b@x", true))
                    .isInstanceOf(AddressException.class);
        }
    }

    @Nested
    class Rewrite {
        static final Function<Mailbox, Mailbox> QUALIFY = m -> m.isQualified() ? m : m.withDomain("example.com");

        static String rewrite(String v) throws AddressException {
            return HeaderAddressParser.rewrite(v, list(v), QUALIFY);
        }

        @ParameterizedTest(name = "MSA-09 qualifies {0}")
        @CsvSource(delimiter = '|', value = {
            "bob|bob@example.com",
            "  bob  |  bob@example.com  ",
            "Bob (the builder) <bob> (x)|Bob (the builder) <bob@example.com> (x)",
            "\"Doe, John\" <john>, jane@other.example,carol|\"Doe, John\" <john@example.com>, jane@other.example,carol@example.com",
            "team: bob, a@x;, (c) dave|team: bob@example.com, a@x;, (c) dave@example.com",
            "\"q u\"|\"q u\"@example.com",
            "a@x, b@y|a@x, b@y",
        })
        void qualifiesOnlyUnqualified(String in, String out) throws Exception {
            assertThat(rewrite(in)).isEqualTo(out);
        }

        @Test
        void unchangedValueIsTheSameString() throws Exception {
            String v = "  A  (c) <a@x>  ,\tB <b@y> ";
            assertThat(HeaderAddressParser.rewrite(v, list(v), Function.identity())).isEqualTo(v);
        }

        @Test
        void rejectsForeignSpans() throws Exception {
            List<HeaderAddress> as = list("averyveryverylongaddress@example.org");
            assertThatThrownBy(() -> HeaderAddressParser.rewrite("short", as, m -> new Mailbox("x", "y")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
