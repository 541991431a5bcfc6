package dev.mailroom.sts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The policies known per domain, in memory and in one file each under {@code DATA/mta-sts/}, so that a restart
 * keeps them: RFC 8461 section 10 rests MTA-STS on trust on first use, and a policy forgotten at every restart
 * would give an attacker who strips the TXT record or blocks the fetch the downgrade the policy exists to prevent.
 *
 * <p>File format: {@code Mailroom-MTA-STS: 1}, {@code id ID}, {@code fetched EPOCH-MILLIS}, an empty line, then the
 * policy as served.
 */
public final class PolicyCache {
    private static final String MAGIC = "Mailroom-MTA-STS: 1";
    private static final Pattern DOMAIN_FILE = Pattern.compile("[a-z0-9.-]{1,253}");

    /** A policy with the TXT id it was fetched under and when. */
    public record Entry(String id, StsPolicy policy, Instant fetched) {
        public Instant expires() {
            return fetched.plus(policy.maxAge());
        }

        public boolean freshAt(Instant now) {
            return now.isBefore(expires());
        }
    }

    private final Path dir;
    private final Map<String, Optional<Entry>> memory = new ConcurrentHashMap<>();

    public PolicyCache(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Optional<Entry> get(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        return memory.computeIfAbsent(key, this::load);
    }

    /** Stores durably first, so that what the memory says is what the next start will read. */
    public void put(String domain, Entry entry) throws IOException {
        String key = domain.toLowerCase(Locale.ROOT);
        if (DOMAIN_FILE.matcher(key).matches()) {
            String text = MAGIC + "\nid " + entry.id() + "\nfetched " + entry.fetched().toEpochMilli() + "\n\n"
                    + entry.policy().text();
            // A whole new file renamed over the old one: a crash leaves the old policy or the new, never half.
            Path tmp = Files.createTempFile(dir, "." + key + ".", ".tmp");
            try {
                Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
                Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        memory.put(key, Optional.of(entry));
    }

    private Optional<Entry> load(String key) {
        if (!DOMAIN_FILE.matcher(key).matches()) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(dir.resolve(key), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // unreadable: as if unknown; the next fetch replaces it
        }
        int blank = text.indexOf("\n\n");
        if (!text.startsWith(MAGIC + "\n") || blank < 0) {
            return Optional.empty();
        }
        String id = null;
        Instant fetched = null;
        for (String line : text.substring(MAGIC.length() + 1, blank).split("\n")) {
            if (line.startsWith("id ")) {
                id = line.substring(3);
            } else if (line.startsWith("fetched ")) {
                try {
                    fetched = Instant.ofEpochMilli(Long.parseLong(line.substring(8)));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        if (id == null || fetched == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Entry(id, StsPolicy.parse(text.substring(blank + 2)), fetched));
        } catch (StsPolicyException e) {
            return Optional.empty();
        }
    }
}
