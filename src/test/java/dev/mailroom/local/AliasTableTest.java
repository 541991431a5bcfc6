package dev.mailroom.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.Mailbox;
import dev.mailroom.directory.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The aliases(5) syntax: every rule, and every refused construct with its line number. */
class AliasTableTest {

    static AliasTable parse(String... lines) throws AliasesFileException {
        return AliasTable.parse("aliases", List.of(lines));
    }

    static Mailbox m(String local, String domain) {
        return new Mailbox(local, domain);
    }

    /** The targets of the alias for local@domain, as written addresses. */
    static List<String> targets(AliasTable t, String local, String domain) {
        return t.lookup(m(local, domain)).orElseThrow(() -> new AssertionError("no alias " + local + "@" + domain))
                .targets().stream().map(x -> (x.verbatim() ? "\\" : "") + x.address().address()).toList();
    }

    @Test
    void nameColonTargetList() throws Exception {
        AliasTable t = parse("team: alice, bob@example.net,carol");
        assertThat(targets(t, "team", "example.org")).containsExactly("alice", "bob@example.net", "carol");
        AliasTarget alice = t.lookup(m("team", "example.org")).orElseThrow().targets().getFirst();
        assertThat(alice.address().isQualified()).isFalse();
        assertThat(alice.qualifiedIn("example.org")).isEqualTo(m("alice", "example.org"));
        assertThat(alice.line()).isEqualTo(1);
    }

    @Test
    void commentsAndBlankLinesAreIgnored() throws Exception {
        AliasTable t = parse("# the aliases", "", "   ", "  # indented comment", "a: b", "#a: c", "\t");
        assertThat(t.size()).isEqualTo(1);
        assertThat(targets(t, "a", "x.example")).containsExactly("b");
    }

    @Test
    void aLineStartingWithWhiteSpaceContinuesTheEntry() throws Exception {
        AliasTable t = parse("list: alice,", "  bob,", "# a comment between does not end the entry", "\tcarol", "other: dave");
        assertThat(targets(t, "list", "x.example")).containsExactly("alice", "bob", "carol");
        assertThat(t.lookup(m("list", "x.example")).orElseThrow().targets()).extracting(AliasTarget::line).containsExactly(1, 2, 4);
        assertThat(targets(t, "other", "x.example")).containsExactly("dave");
    }

    @Test
    void quotedLocalPartsInKeysAndTargets() throws Exception {
        AliasTable t = parse("\"john smith\": john", "\"a:b\"@example.org: \"x,y\"@example.net, \"q\\\"uote\"");
        assertThat(targets(t, "\"john smith\"", "example.org")).containsExactly("john");
        assertThat(targets(t, "\"John Smith\"", "example.org")).containsExactly("john");
        assertThat(targets(t, "\"a:b\"", "example.org")).containsExactly("\"x,y\"@example.net", "\"q\\\"uote\"");
        // Quoting is notation: "john" and john are one key.
        assertThat(targets(parse("\"john\": x"), "john", "example.org")).containsExactly("x");
    }

    @Test
    void keysWithoutDomainApplyEverywhereKeysWithDomainOnlyThere() throws Exception {
        AliasTable t = parse("info: general", "info@example.org: org-team", "sales@example.net: net-sales");
        assertThat(targets(t, "info", "example.org")).containsExactly("org-team"); // the domain's own alias wins
        assertThat(targets(t, "info", "example.net")).containsExactly("general");
        assertThat(targets(t, "sales", "example.net")).containsExactly("net-sales");
        assertThat(t.lookup(m("sales", "example.org"))).isEmpty();
    }

    @Test
    void keysAreCaseInsensitive() throws Exception {
        AliasTable t = parse("Sales@Example.ORG: bob");
        assertThat(targets(t, "SALES", "example.org")).containsExactly("bob");
        assertThat(targets(t, "sales", "EXAMPLE.org")).containsExactly("bob");
    }

    @Test
    void atDomainIsTheCatchAllOfThatDomain() throws Exception {
        AliasTable t = parse("@Example.ORG: catcher", "x: y");
        assertThat(t.catchAll("example.org").orElseThrow().targets()).extracting(a -> a.address().address()).containsExactly("catcher");
        assertThat(t.catchAll("example.net")).isEmpty();
        assertThat(t.lookup(m("anything", "example.org"))).isEmpty(); // only the resolver falls back to it
    }

    @Test
    void aBackslashMeansTheMailboxItself() throws Exception {
        AliasTable t = parse("alice: \\alice, alice@backup.example");
        assertThat(targets(t, "alice", "example.org")).containsExactly("\\alice", "alice@backup.example");
    }

    @Test
    void internationalisedNames() throws Exception {
        AliasTable t = parse("j\u00f6rg@b\u00fccher.example: \u7528\u6237@\u4f8b\u5b50.\u6d4b\u8bd5");
        assertThat(targets(t, "J\u00d6RG", "xn--bcher-kva.example")).containsExactly("\u7528\u6237@\u4f8b\u5b50.\u6d4b\u8bd5");
        assertThat(targets(t, "j\u00f6rg", "B\u00fccher.example")).containsExactly("\u7528\u6237@\u4f8b\u5b50.\u6d4b\u8bd5");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '§', quoteCharacter = '~', textBlock = """
            a: |/usr/bin/procmail                § pipe to a command is not supported (|/usr/bin/procmail)
            a: b, "|/bin/sh -c 'rm -rf /'"       § pipe to a command is not supported ("|/bin/sh -c 'rm -rf /'")
            a: /var/mail/a                       § delivery to a file is not supported (/var/mail/a)
            a: "/tmp/x y"                        § delivery to a file is not supported ("/tmp/x y")
            a: :include:/etc/mail/list           § :include: is not supported (:include:/etc/mail/list)
            a: :INCLUDE:/etc/mail/list           § :include: is not supported (:INCLUDE:/etc/mail/list)
            just a name                          § missing ':' after the alias name
            : target                             § empty alias name before ':'
            a:                                   § alias a has no targets
            a: b,,c                              § empty target in the list of a
            a: b,                                § empty target in the list of a
            a b: c                               § invalid alias name a b: invalid character in local-part
            a@[127.0.0.1]: c                     § an alias cannot be for an address literal: a@[127.0.0.1]
            @-bad-.example: c                    § invalid domain in catch-all @-bad-.example
            a: b@                                § invalid target b@: empty label in domain
            """)
    void refusedConstructsNameTheFileAndLine(String line, String reason) {
        assertThatThrownBy(() -> parse("# header", "ok: fine", line, "later: fine"))
                .isInstanceOfSatisfying(AliasesFileException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).isEqualTo("aliases:3: " + reason);
                });
    }

    @Test
    void aRefusedTargetOnAContinuationLineNamesThatLine() {
        assertThatThrownBy(() -> parse("list: alice,", "  bob,", "  |/bin/evil"))
                .isInstanceOfSatisfying(AliasesFileException.class, e -> assertThat(e.line()).isEqualTo(3))
                .hasMessage("aliases:3: pipe to a command is not supported (|/bin/evil)");
    }

    @Test
    void duplicateAliasesAreRefusedWithBothLines() {
        assertThatThrownBy(() -> parse("team: a", "x: y", "TEAM: b"))
                .hasMessage("aliases:3: duplicate alias TEAM (first defined on line 1)");
        assertThatThrownBy(() -> parse("@example.org: a", "@EXAMPLE.org: b"))
                .hasMessage("aliases:2: duplicate alias @EXAMPLE.org (first defined on line 1)");
    }

    @Test
    void aContinuationWithNothingBeforeItIsRefused() {
        assertThatThrownBy(() -> parse("# only a comment", "  bob")).hasMessage("aliases:2: continuation line without an alias before it");
    }

    @Test
    void theFileReloadsWhenItChangesAndKeepsTheLastGoodVersionOnErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("aliases");
        Files.writeString(file, "a: b\n");
        MutableClock clock = new MutableClock();
        AliasesFile aliases = AliasesFile.load(file, clock);
        assertThat(targets(aliases.table(), "a", "x.example")).containsExactly("b");

        write(file, "a: c\n", 1);
        assertThat(targets(aliases.table(), "a", "x.example")).as("checked at most once a second").containsExactly("b");
        clock.advance(Duration.ofSeconds(2));
        assertThat(targets(aliases.table(), "a", "x.example")).containsExactly("c");

        write(file, "a: c\nb: |/bin/sh\n", 2);
        clock.advance(Duration.ofSeconds(2));
        assertThat(targets(aliases.table(), "a", "x.example")).as("a broken edit keeps the last good table").containsExactly("c");

        write(file, "a: d\n", 3);
        clock.advance(Duration.ofSeconds(2));
        assertThat(targets(aliases.table(), "a", "x.example")).containsExactly("d");
    }

    @Test
    void aBrokenFileFailsTheFirstLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("aliases");
        Files.writeString(file, "ok: fine\nbad: /etc/passwd\n");
        assertThatThrownBy(() -> AliasesFile.load(file)).isInstanceOf(AliasesFileException.class)
                .hasMessage(file + ":2: delivery to a file is not supported (/etc/passwd)");
        assertThatThrownBy(() -> AliasesFile.load(dir.resolve("missing"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    /** Writes and sets a distinct mtime, so the change is seen even within the file system's time resolution. */
    private static void write(Path file, String text, int version) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(version)));
    }
}
