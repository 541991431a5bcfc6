package dev.mailroom.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Recipient resolution: users, aliases (recursion, loops, depth), plus-addressing, catch-alls, postmaster/abuse. */
class LocalRecipientsTest {

    static final Set<String> DOMAINS = Set.of("example.org", "Example.NET", "b\u00fccher.example");
    static final Mailbox ADMIN = new Mailbox("admin", "example.org");

    /** The users that exist, as canonical addresses: what the users file answers. */
    static LocalUsers users(String... addresses) {
        Set<String> set = Set.of(addresses);
        return m -> set.contains(m.address());
    }

    static LocalRecipients resolver(LocalRecipients.Settings settings, LocalUsers users, String... aliasLines) throws IOException {
        AliasTable table = AliasTable.parse("aliases", List.of(aliasLines));
        return new LocalRecipients(settings, users, () -> table);
    }

    static LocalRecipients resolver(LocalUsers users, String... aliasLines) throws IOException {
        return resolver(LocalRecipients.Settings.of(DOMAINS, "example.org", ADMIN), users, aliasLines);
    }

    static Mailbox m(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? new Mailbox(address, null) : new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    /** The destinations as "local:addr[+detail]" / "remote:addr", for readable assertions. */
    static List<String> destinations(Resolution r) {
        assertThat(r).as(r.toString()).isInstanceOf(Resolution.Resolved.class);
        List<String> out = new ArrayList<>();
        for (Destination d : ((Resolution.Resolved) r).destinations()) {
            out.add(switch (d) {
                case Destination.Local l -> "local:" + l.mailbox().address() + (l.detail() == null ? "" : " detail=" + l.detail());
                case Destination.Remote rem -> "remote:" + rem.address().address();
            });
        }
        return out;
    }

    @Test
    void aUserIsItsOwnMailboxWhateverTheSpelling() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org"));
        assertThat(destinations(r.resolve(m("alice@example.org")))).containsExactly("local:alice@example.org");
        assertThat(destinations(r.resolve(m("Alice@EXAMPLE.org")))).containsExactly("local:alice@example.org");
        assertThat(destinations(r.resolve(m("\"alice\"@example.org")))).containsExactly("local:alice@example.org");
        Resolution ok = r.resolve(m("Alice@EXAMPLE.org"));
        assertThat(ok.reply().code()).isEqualTo(250);
        assertThat(ok.reply().enhanced()).isEqualTo("2.1.5");
        assertThat(ok.original()).isEqualTo(m("Alice@EXAMPLE.org"));
    }

    @Test
    void anUnknownLocalAddressIsUnknownWith550() throws Exception {
        Resolution r = resolver(users("alice@example.org")).resolve(m("nobody@example.org"));
        assertThat(r).isInstanceOf(Resolution.Unknown.class);
        assertThat(r.reply().code()).isEqualTo(550);
        assertThat(r.reply().enhanced()).isEqualTo("5.1.1");
        assertThat(r.original()).isEqualTo(m("nobody@example.org"));
    }

    @Test
    void anAddressElsewhereIsRemote() throws Exception {
        assertThat(destinations(resolver(users()).resolve(m("carol@remote.example")))).containsExactly("remote:carol@remote.example");
    }

    @Test
    void aliasesExpandRecursivelyToUsersAndRemoteAddresses() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org", "bob@example.org"),
                "team: alice, sub", "sub: bob, carol@remote.example");
        assertThat(destinations(r.resolve(m("team@example.org"))))
                .containsExactly("local:alice@example.org", "local:bob@example.org", "remote:carol@remote.example");
    }

    @Test
    void aDomainlessAliasWorksInEveryLocalDomainWithItsTargetsInThatDomain() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org", "alice@example.net"), "info: alice");
        assertThat(destinations(r.resolve(m("info@example.org")))).containsExactly("local:alice@example.org");
        assertThat(destinations(r.resolve(m("INFO@example.net")))).containsExactly("local:alice@example.net");
        // Not for a domain that is not ours: that address is simply remote.
        assertThat(destinations(r.resolve(m("info@remote.example")))).containsExactly("remote:info@remote.example");
    }

    @Test
    void anAliasMayKeepACopyInTheMailboxOfTheSameName() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org", "bob@example.org"),
                "alice: alice, alice@backup.example", "bob: \\bob, alice", "team: bob, alice");
        assertThat(destinations(r.resolve(m("alice@example.org"))))
                .containsExactly("local:alice@example.org", "remote:alice@backup.example");
        // "\bob" is bob's mailbox, not the alias bob again; team's alice was already expanded through bob.
        assertThat(destinations(r.resolve(m("team@example.org"))))
                .containsExactly("local:bob@example.org", "local:alice@example.org", "remote:alice@backup.example");
    }

    @Test
    void aLoopFailsWith554AndTheChainIsReported() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org"), "a: b", "b: c, alice", "c: a");
        Resolution res = r.resolve(m("a@example.org"));
        assertThat(res).isInstanceOfSatisfying(Resolution.Failed.class, f -> {
            assertThat(f.reply().code()).isEqualTo(554);
            assertThat(f.reply().enhanced()).isEqualTo("5.4.6");
            assertThat(f.reason()).isEqualTo("alias loop: a@example.org -> b@example.org -> c@example.org -> a@example.org");
        });
        assertThat(res.original()).isEqualTo(m("a@example.org"));
    }

    @Test
    void aDiamondIsNotALoop() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org"), "all: t1, t2", "t1: alice", "t2: t1, alice");
        assertThat(destinations(r.resolve(m("all@example.org")))).containsExactly("local:alice@example.org");
    }

    @Test
    void chainsLongerThanTheLimitFail() throws Exception {
        List<String> chain = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            chain.add("l" + i + ": l" + (i + 1));
        }
        chain.add("l12: alice");
        LocalRecipients r = resolver(users("alice@example.org"), chain.toArray(String[]::new));
        Resolution deep = r.resolve(m("l0@example.org"));
        assertThat(deep).isInstanceOfSatisfying(Resolution.Failed.class, f -> {
            assertThat(f.reply().enhanced()).isEqualTo("5.4.6");
            assertThat(f.reason()).startsWith("alias chain longer than 10: l0@example.org -> l1@example.org");
        });
        // Ten links from l3 to alice: within the limit.
        assertThat(destinations(r.resolve(m("l3@example.org")))).containsExactly("local:alice@example.org");
        LocalRecipients generous = resolver(LocalRecipients.Settings.of(DOMAINS, "example.org", ADMIN).withMaxDepth(20),
                users("alice@example.org"), chain.toArray(String[]::new));
        assertThat(destinations(generous.resolve(m("l0@example.org")))).containsExactly("local:alice@example.org");
    }

    @Test
    void plusAddressingFallsBackToTheBaseName() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org", "bob+lists@example.org", "carol@example.org"),
                "team: carol");
        assertThat(destinations(r.resolve(m("alice+news@example.org")))).containsExactly("local:alice@example.org detail=news");
        assertThat(destinations(r.resolve(m("Alice+News+More@example.org"))))
                .containsExactly("local:alice@example.org detail=news+more");
        // bob+lists exists in its own right: no stripping.
        assertThat(destinations(r.resolve(m("bob+lists@example.org")))).containsExactly("local:bob+lists@example.org");
        assertThat(r.resolve(m("bob+other@example.org"))).isInstanceOf(Resolution.Unknown.class);
        assertThat(destinations(r.resolve(m("team+x@example.org")))).containsExactly("local:carol@example.org");
        assertThat(r.resolve(m("nobody+x@example.org"))).isInstanceOf(Resolution.Unknown.class);
    }

    @Test
    void plusAddressingCanBeDisabledOrUseOtherSeparators() throws Exception {
        LocalRecipients.Settings base = LocalRecipients.Settings.of(DOMAINS, "example.org", ADMIN);
        LocalRecipients off = resolver(base.withPlusSeparators(""), users("alice@example.org"));
        assertThat(off.resolve(m("alice+news@example.org"))).isInstanceOf(Resolution.Unknown.class);
        LocalRecipients both = resolver(base.withPlusSeparators("+-"), users("alice@example.org"));
        assertThat(destinations(both.resolve(m("alice-news@example.org")))).containsExactly("local:alice@example.org detail=news");
        assertThat(destinations(both.resolve(m("alice+news@example.org")))).containsExactly("local:alice@example.org detail=news");
    }

    @Test
    void theDomainCatchAllTakesWhatNothingElseTakes() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org", "bucket@example.org"), "@example.org: bucket");
        assertThat(destinations(r.resolve(m("whatever@example.org")))).containsExactly("local:bucket@example.org");
        assertThat(destinations(r.resolve(m("alice@example.org")))).containsExactly("local:alice@example.org");
        assertThat(destinations(r.resolve(m("alice+tag@example.org")))).containsExactly("local:alice@example.org detail=tag");
        assertThat(r.resolve(m("whatever@example.net"))).isInstanceOf(Resolution.Unknown.class);
    }

    @Test
    void theConfiguredCatchAllCoversEveryLocalDomain() throws Exception {
        LocalRecipients r = resolver(LocalRecipients.Settings.of(DOMAINS, "example.org", ADMIN)
                .withCatchAll(new Mailbox("catch", "example.org")), users("catch@example.org"), "@example.net: alice@remote.example");
        assertThat(destinations(r.resolve(m("x@example.org")))).containsExactly("local:catch@example.org");
        // The domain's own catch-all alias comes first.
        assertThat(destinations(r.resolve(m("x@example.net")))).containsExactly("remote:alice@remote.example");
    }

    @Test
    void postmasterAndAbuseAlwaysResolve() throws Exception {
        LocalRecipients r = resolver(users("admin@example.org"), "@example.net: nobody-here");
        for (String address : List.of("postmaster@example.org", "POSTMASTER@Example.Net", "abuse@example.org",
                "abuse+spam@example.net", "\"Postmaster\"@example.org")) {
            assertThat(destinations(r.resolve(m(address)))).as(address).containsExactly("local:admin@example.org");
        }
        // RFC 5321 section 4.1.1.3: <Postmaster> without a domain.
        Resolution bare = r.resolve(m("Postmaster"));
        assertThat(destinations(bare)).containsExactly("local:admin@example.org");
        assertThat(bare.original()).isEqualTo(m("Postmaster"));
        assertThat(r.resolve(m("alice"))).isInstanceOf(Resolution.Unknown.class);
    }

    @Test
    void anAliasOrUserForPostmasterWinsOverTheFallback() throws Exception {
        LocalRecipients r = resolver(users("admin@example.org", "postmaster@example.net", "bob@example.org"),
                "postmaster@example.org: bob");
        assertThat(destinations(r.resolve(m("postmaster@example.org")))).containsExactly("local:bob@example.org");
        assertThat(destinations(r.resolve(m("postmaster@example.net")))).containsExactly("local:postmaster@example.net");
        LocalRecipients remote = resolver(LocalRecipients.Settings.of(DOMAINS, "example.org",
                new Mailbox("hostmaster", "provider.example")), users());
        assertThat(destinations(remote.resolve(m("abuse@example.org")))).containsExactly("remote:hostmaster@provider.example");
    }

    @Test
    void anAliasTargetThatNamesNobodyFailsTheRecipient() throws Exception {
        Resolution r = resolver(users("alice@example.org"), "team: alice, gone").resolve(m("team@example.org"));
        assertThat(r).isInstanceOfSatisfying(Resolution.Failed.class, f -> {
            assertThat(f.reply().code()).isEqualTo(550);
            assertThat(f.reply().enhanced()).isEqualTo("5.1.1");
            assertThat(f.reply().lines().getFirst()).doesNotContain("gone"); // the reply does not reveal targets
            assertThat(f.reason()).contains("gone@example.org");
        });
        Resolution selfOnly = resolver(users(), "ghost: ghost").resolve(m("ghost@example.org"));
        assertThat(selfOnly).isInstanceOf(Resolution.Unknown.class);
    }

    @Test
    void anUnreadableDirectoryIsATemporaryFailure() throws Exception {
        LocalUsers broken = m -> {
            throw new IOException("users file unreadable");
        };
        Resolution r = resolver(broken).resolve(m("alice@example.org"));
        assertThat(r).isInstanceOfSatisfying(Resolution.Failed.class, f -> {
            assertThat(f.reply().code()).isEqualTo(451);
            assertThat(f.reply().enhanced()).isEqualTo("4.3.0");
        });
        LocalRecipients noAliases = new LocalRecipients(LocalRecipients.Settings.of(DOMAINS, "example.org", ADMIN),
                users("alice@example.org"), () -> {
                    throw new IOException("aliases gone");
                });
        assertThat(noAliases.resolve(m("alice@example.org")).reply().code()).isEqualTo(451);
    }

    @Test
    void internationalisedDomainsMatchInEitherForm() throws Exception {
        LocalRecipients r = resolver(users("u@xn--bcher-kva.example"));
        assertThat(r.isLocalDomain("B\u00dcCHER.example")).isTrue();
        assertThat(r.isLocalDomain("xn--bcher-kva.example")).isTrue();
        assertThat(destinations(r.resolve(m("u@b\u00fccher.example")))).containsExactly("local:u@xn--bcher-kva.example");
    }

    @Test
    void theOriginalRecipientIsKeptForOrcpt() throws Exception {
        LocalRecipients r = resolver(users("alice@example.org"), "Sales: alice");
        Resolution res = r.resolve(m("Sales+Q1@Example.ORG"));
        assertThat(destinations(res)).containsExactly("local:alice@example.org");
        assertThat(res.original()).isEqualTo(m("Sales+Q1@Example.ORG"));
        // RFC 3461 section 4.2: xtext, "+" as "+2B".
        assertThat(res.orcpt()).isEqualTo("rfc822;Sales+2BQ1@Example.ORG");
        Resolution utf8 = resolver(users()).resolve(m("j\u00f6rg+x@remote.example"));
        assertThat(utf8.orcpt()).isEqualTo("utf-8;j\u00f6rg\\x{2B}x@remote.example"); // RFC 6533 section 3
    }
}
