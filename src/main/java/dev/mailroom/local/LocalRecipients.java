package dev.mailroom.local;

import dev.mailroom.address.Mailbox;
import dev.mailroom.smtp.SmtpReply;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Resolves an envelope recipient to the mailboxes and remote addresses that get a copy.
 *
 * <p>For an address in a local domain, in this order:
 * <ol>
 *   <li>an alias for it (one written for its domain before one written without a domain), expanded
 *       recursively; an alias that names itself ({@code alice: alice, alice@backup.example}) or a target
 *       written {@code \alice} means the mailbox itself;</li>
 *   <li>a local user of that name;</li>
 *   <li>with plus-addressing, {@code user+tag}: the alias or user {@code user} (the tag is kept as the
 *       destination's detail);</li>
 *   <li>{@code postmaster} and {@code abuse}: the configured postmaster mailbox, because RFC 5321 section
 *       4.5.1 requires postmaster in every domain and RFC 2142 section 2 abuse;</li>
 *   <li>the domain's {@code @domain} catch-all alias, then the configured catch-all;</li>
 *   <li>otherwise {@link Resolution.Unknown} (the listener answers 550 5.1.1).</li>
 * </ol>
 * An address outside the local domains resolves to itself, remote. A loop ({@code a: b}, {@code b: a}) or a
 * chain deeper than the limit fails with 554 5.4.6 (RFC 3463 "routing loop detected"); an alias target that
 * names nobody fails the whole recipient with 550 5.1.1 so the error is seen rather than mail silently lost.
 * Thread-safe when the user predicate is.
 */
public final class LocalRecipients {

    /** Sendmail's MaxAliasRecursion. */
    public static final int DEFAULT_MAX_DEPTH = 10;
    private static final Set<String> ALWAYS_ANSWERED = Set.of("postmaster", "abuse");

    /**
     * @param localDomains   the domains whose mail is delivered here
     * @param defaultDomain  the domain of a bare {@code <Postmaster>} (RFC 5321 section 4.1.1.3)
     * @param plusSeparators each character separates a local-part from its detail ({@code "+"}, Postfix's
     *                       {@code recipient_delimiter}); empty disables plus-addressing
     * @param postmaster     where postmaster and abuse go when neither alias nor user (local or remote)
     * @param catchAll       where otherwise unknown local addresses go, or null for none
     * @param maxDepth       the longest alias chain
     */
    public record Settings(Set<String> localDomains, String defaultDomain, String plusSeparators, Mailbox postmaster,
                           Mailbox catchAll, int maxDepth) {
        public Settings {
            localDomains = localDomains.stream().map(LocalParts::domain).collect(Collectors.toUnmodifiableSet());
            defaultDomain = LocalParts.domain(Objects.requireNonNull(defaultDomain, "defaultDomain"));
            plusSeparators = plusSeparators == null ? "" : plusSeparators;
            Objects.requireNonNull(postmaster, "postmaster");
            if (!postmaster.isQualified() || (catchAll != null && !catchAll.isQualified())) {
                throw new IllegalArgumentException("postmaster and catch-all must be qualified addresses");
            }
            if (maxDepth < 1) {
                throw new IllegalArgumentException("maxDepth must be at least 1");
            }
        }

        public static Settings of(Set<String> localDomains, String defaultDomain, Mailbox postmaster) {
            return new Settings(localDomains, defaultDomain, "+", postmaster, null, DEFAULT_MAX_DEPTH);
        }

        public Settings withPlusSeparators(String separators) {
            return new Settings(localDomains, defaultDomain, separators, postmaster, catchAll, maxDepth);
        }

        public Settings withCatchAll(Mailbox address) {
            return new Settings(localDomains, defaultDomain, plusSeparators, postmaster, address, maxDepth);
        }

        public Settings withMaxDepth(int depth) {
            return new Settings(localDomains, defaultDomain, plusSeparators, postmaster, catchAll, depth);
        }
    }

    /** Where the aliases come from: usually {@link AliasesFile#table()}, re-read when the file changes. */
    @FunctionalInterface
    public interface AliasSource {
        AliasTable table() throws IOException;
    }

    private final Settings settings;
    private final LocalUsers users;
    private final AliasSource aliases;

    public LocalRecipients(Settings settings, LocalUsers users, AliasSource aliases) {
        this.settings = settings;
        this.users = users;
        this.aliases = aliases;
    }

    /** True for a domain whose mail is delivered here (case-insensitive, either IDN spelling). */
    public boolean isLocalDomain(String domain) {
        return domain != null && settings.localDomains().contains(LocalParts.domain(domain));
    }

    public Resolution resolve(Mailbox recipient) {
        Mailbox address = recipient;
        if (!address.isQualified()) {
            if (!LocalParts.unquote(address.localPart()).equalsIgnoreCase("postmaster")) {
                return new Resolution.Unknown(recipient);
            }
            // RFC 5321 section 4.1.1.3: "<Postmaster>" without a domain is this host's postmaster.
            address = address.withDomain(settings.defaultDomain());
        }
        Mailbox start = LocalParts.canonical(address);
        try {
            Expansion x = new Expansion(aliases.table());
            x.expand(start, 0);
            return new Resolution.Resolved(recipient, List.copyOf(x.out));
        } catch (NotFound e) {
            if (e.address.equals(start)) {
                return new Resolution.Unknown(recipient);
            }
            return new Resolution.Failed(recipient, SmtpReply.of(550, "5.1.1", "Alias points to no mailbox"),
                    "alias target " + e.address + " is neither alias nor user");
        } catch (Unresolvable e) {
            return new Resolution.Failed(recipient, e.reply, e.getMessage());
        } catch (IOException e) {
            // RFC 3463 X.3.0: our own directory is unreadable; temporary, the client tries again.
            return new Resolution.Failed(recipient, SmtpReply.of(451, "4.3.0", "Local error resolving the recipient"),
                    "user directory or aliases unreadable: " + e.getMessage());
        }
    }

    /** One resolution's state: what is found, what has been expanded, the alias chain being followed. */
    private final class Expansion {
        private final AliasTable table;
        private final Set<Destination> out = new LinkedHashSet<>();
        private final Set<Mailbox> expanded = new HashSet<>();
        private final Deque<Mailbox> chain = new ArrayDeque<>();

        Expansion(AliasTable table) {
            this.table = table;
        }

        void expand(Mailbox a, int depth) throws IOException, NotFound, Unresolvable {
            if (!isLocalDomain(a.domain())) {
                out.add(new Destination.Remote(a));
                return;
            }
            if (chain.contains(a)) {
                throw new Unresolvable(SmtpReply.of(554, "5.4.6", "Alias loop"), "alias loop: " + chainText(a));
            }
            if (depth > settings.maxDepth()) {
                throw new Unresolvable(SmtpReply.of(554, "5.4.6", "Alias chain too long"),
                        "alias chain longer than " + settings.maxDepth() + ": " + chainText(a));
            }
            if (!expanded.add(a)) {
                return; // reached again through another alias (a diamond, not a loop): already done
            }
            chain.push(a);
            try {
                resolveLocal(a, depth);
            } finally {
                chain.pop();
            }
        }

        private void resolveLocal(Mailbox a, int depth) throws IOException, NotFound, Unresolvable {
            Optional<AliasTable.Entry> alias = table.lookup(a);
            if (alias.isPresent()) {
                expandTargets(a, alias.get(), depth);
                return;
            }
            if (users.exists(a)) {
                out.add(new Destination.Local(a, null));
                return;
            }
            String local = LocalParts.unquote(a.localPart());
            int sep = separatorIndex(local);
            if (sep > 0) {
                // user+tag@domain: the address itself is unknown, so try user@domain.
                Mailbox base = LocalParts.canonical(new Mailbox(local.substring(0, sep), a.domain()));
                String detail = local.substring(sep + 1);
                Optional<AliasTable.Entry> baseAlias = table.lookup(base);
                if (baseAlias.isPresent()) {
                    expandTargets(base, baseAlias.get(), depth);
                    return;
                }
                if (users.exists(base)) {
                    out.add(new Destination.Local(base, detail));
                    return;
                }
                local = local.substring(0, sep);
            }
            if (ALWAYS_ANSWERED.contains(local.toLowerCase(Locale.ROOT))) {
                expand(LocalParts.canonical(settings.postmaster()), depth + 1);
                return;
            }
            Optional<AliasTable.Entry> catchAll = table.catchAll(a.domain());
            if (catchAll.isPresent()) {
                expandTargets(a, catchAll.get(), depth);
                return;
            }
            if (settings.catchAll() != null) {
                expand(LocalParts.canonical(settings.catchAll()), depth + 1);
                return;
            }
            throw new NotFound(a);
        }

        /** @param key the address the alias is for: a target equal to it means the mailbox itself */
        private void expandTargets(Mailbox key, AliasTable.Entry alias, int depth) throws IOException, NotFound, Unresolvable {
            for (AliasTarget t : alias.targets()) {
                Mailbox target = LocalParts.canonical(t.qualifiedIn(key.domain()));
                if (t.verbatim() || target.equals(key)) {
                    mailboxItself(target);
                } else {
                    expand(target, depth + 1);
                }
            }
        }

        /** {@code \alice} or an alias naming itself: the user's own mailbox, no further aliasing. */
        private void mailboxItself(Mailbox target) throws IOException, NotFound {
            if (!isLocalDomain(target.domain())) {
                out.add(new Destination.Remote(target));
            } else if (users.exists(target)) {
                out.add(new Destination.Local(target, null));
            } else {
                throw new NotFound(target);
            }
        }

        private int separatorIndex(String local) {
            if (settings.plusSeparators().isEmpty()) {
                return -1;
            }
            for (int i = 0; i < local.length(); i++) {
                if (settings.plusSeparators().indexOf(local.charAt(i)) >= 0) {
                    return i;
                }
            }
            return -1;
        }

        private String chainText(Mailbox a) {
            StringBuilder sb = new StringBuilder();
            chain.descendingIterator().forEachRemaining(m -> sb.append(m.address()).append(" -> "));
            return sb.append(a.address()).toString();
        }
    }

    /** An address that is neither alias, user nor covered by a catch-all. */
    private static final class NotFound extends Exception {
        final Mailbox address;

        NotFound(Mailbox address) {
            super(address.address(), null, false, false);
            this.address = address;
        }
    }

    private static final class Unresolvable extends Exception {
        final SmtpReply reply;

        Unresolvable(SmtpReply reply, String reason) {
            super(reason, null, false, false);
            this.reply = reply;
        }
    }
}
