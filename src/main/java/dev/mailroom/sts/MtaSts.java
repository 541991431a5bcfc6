package dev.mailroom.sts;

import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.TxtAnswer;
import dev.mailroom.log.EventLog;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the MTA-STS policy of a recipient domain (RFC 8461 sections 3 and 5.1): the {@code _mta-sts} TXT record
 * of that very domain (never a parent's) gives the policy id; a cached policy with that id is used as it is,
 * another id means a new policy to fetch. A cached policy that has not reached its max_age stays in force when the
 * TXT record disappears or the fetch fails, so an attacker cannot remove a known policy by blocking DNS or HTTPS.
 *
 * <p>The TXT record is asked at every delivery to the domain, so a changed policy is seen before any message fails
 * for good (RFC 8461 section 5: re-check before a permanent failure). A fetch that failed is not tried again for
 * the same id for a few minutes, so a domain with a broken policy host costs one fetch, not one per message.
 */
public final class MtaSts {
    private static final Duration RETRY_FAILED_FETCH = Duration.ofMinutes(5);

    private final MxResolver dns;
    private final PolicyFetcher fetcher;
    private final PolicyCache cache;
    private final Clock clock;
    private final Map<String, FailedFetch> failures = new ConcurrentHashMap<>();

    private record FailedFetch(String id, Instant until, PolicyFetcher.Result.Failed failure) {
    }

    /** The outcome for one domain. */
    public sealed interface Lookup {
        /** A policy in force, mode enforce or testing. */
        record Policy(StsPolicy policy) implements Lookup {
        }

        /**
         * No policy applies; {@code failure} says why when a policy was announced but could not be used (for TLS
         * reports: sts-policy-fetch-error, sts-policy-invalid, sts-webpki-invalid).
         */
        record NoPolicy(Optional<PolicyFetcher.Result.Failed> failure) implements Lookup {
        }
    }

    public MtaSts(MxResolver dns, PolicyFetcher fetcher, PolicyCache cache, Clock clock) {
        this.dns = dns;
        this.fetcher = fetcher;
        this.cache = cache;
        this.clock = clock;
    }

    public Lookup lookup(String domain) {
        if (domain.startsWith("[")) {
            return new Lookup.NoPolicy(Optional.empty()); // an address literal has no policy domain
        }
        Instant now = clock.instant();
        Optional<PolicyCache.Entry> cached = cache.get(domain).filter(e -> e.freshAt(now));
        Optional<StsTxtRecord> txt = switch (dns.txt("_mta-sts", domain)) {
            case TxtAnswer.Found(var texts) -> StsTxtRecord.select(texts);
            case TxtAnswer.None _, TxtAnswer.Failed _ -> Optional.empty();
        };
        if (txt.isEmpty() || (cached.isPresent() && cached.get().id().equals(txt.get().id()))) {
            return cached.map(e -> of(e.policy())).orElseGet(() -> new Lookup.NoPolicy(Optional.empty()));
        }
        String id = txt.get().id();
        FailedFetch recent = failures.get(domain);
        if (recent != null && recent.id().equals(id) && now.isBefore(recent.until())) {
            return cached.map(e -> of(e.policy())).orElseGet(() -> new Lookup.NoPolicy(Optional.of(recent.failure())));
        }
        switch (fetcher.fetch(domain)) {
            case PolicyFetcher.Result.Fetched(StsPolicy policy) -> {
                failures.remove(domain);
                try {
                    cache.put(domain, new PolicyCache.Entry(id, policy, now));
                } catch (IOException e) {
                    EventLog.warn("mta-sts-cache", "domain", domain, "error", e.toString());
                }
                EventLog.info("mta-sts-policy", "domain", domain, "id", id, "mode", policy.mode(),
                        "max_age", policy.maxAge().toSeconds());
                return of(policy);
            }
            case PolicyFetcher.Result.Failed failed -> {
                failures.put(domain, new FailedFetch(id, now.plus(RETRY_FAILED_FETCH), failed));
                EventLog.warn("mta-sts-fetch", "domain", domain, "id", id, "result", failed.type().wire(),
                        "reason", failed.reason(), "cached", cached.isPresent());
                return cached.map(e -> of(e.policy())).orElseGet(() -> new Lookup.NoPolicy(Optional.of(failed)));
            }
        }
    }

    private static Lookup of(StsPolicy policy) {
        return policy.mode() == StsPolicy.Mode.NONE ? new Lookup.NoPolicy(Optional.empty()) : new Lookup.Policy(policy);
    }
}
