package dev.mailroom.dkim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The [dkim] configuration.
 *
 * @param keys             the signing keys; several for one domain sign each message once per key (dual signing,
 *                         e.g. RSA and Ed25519 under two selectors); none: no signing
 * @param canonicalization the c= pair for every signature
 * @param expiry           how long a signature stays valid (the x= tag); zero: no x= tag
 * @param headers          the header fields to sign, in order (singletons are over-signed)
 */
public record DkimSettings(List<Key> keys, Canonicalization.Pair canonicalization, Duration expiry, List<String> headers) {

    /** Without a [dkim] table nothing is signed. */
    public static final DkimSettings NONE = new DkimSettings(List.of(), Canonicalization.Pair.RELAXED_RELAXED,
            Duration.ZERO, SignedHeaders.DEFAULT);

    public DkimSettings {
        keys = List.copyOf(keys);
        headers = List.copyOf(headers);
    }

    /**
     * One signing key.
     *
     * @param domain     the d= domain, lower case, ASCII (A-labels): signs mail whose From: address is at this domain
     * @param selector   the s= selector; its public key is in DNS at selector._domainkey.domain
     * @param privateKey PEM file of the private key
     */
    public record Key(String domain, String selector, DkimAlgorithm algorithm, Path privateKey) {}
}
