package dev.mailroom.directory;

import dev.mailroom.sasl.ScramCredentials;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Dovecot passwd-file syntax: {@code user:password:uid:gid:gecos:home:shell:extra_fields}, where Mailroom
 * leaves uid..shell empty and reads the space-separated {@code key=value} extra fields
 * {@code scram_sha_256}, {@code senders} and {@code send_as}. Other extra fields are kept verbatim so
 * rewriting a line never drops settings another tool put there.
 */
final class UsersFileFormat {

    static final String SCRAM = "scram_sha_256";
    static final String SENDERS = "senders";
    static final String SEND_AS = "send_as";

    private UsersFileFormat() {
    }

    /** One user line: the user, the index of its line in the file, and all its extra fields in order. */
    record Entry(User user, int lineIndex, LinkedHashMap<String, String> extras) {
    }

    /** The whole file: every line as read (comments included) and the users by name. */
    record Contents(List<String> lines, Map<String, Entry> users) {
    }

    static Contents parse(Path file, List<String> lines) throws UsersFileException {
        Map<String, Entry> users = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            Entry entry = parseLine(file, i, line);
            if (users.putIfAbsent(entry.user().name(), entry) != null) {
                throw new UsersFileException(file, i + 1, "duplicate user '" + entry.user().name() + "'");
            }
        }
        return new Contents(List.copyOf(lines), users);
    }

    private static Entry parseLine(Path file, int index, String line) throws UsersFileException {
        int lineNo = index + 1;
        String[] fields = line.split(":", 8);
        if (fields.length < 2) {
            throw new UsersFileException(file, lineNo, "expected user:password[:uid:gid:gecos:home:shell:extra]");
        }
        String name = fields[0];
        if (!isValidName(name)) {
            throw new UsersFileException(file, lineNo, "invalid user name");
        }
        String hash = fields[1];
        if (!PasswordHasher.isSupported(hash)) {
            // The reason names the problem, never the hash itself (it is a secret-equivalent).
            throw new UsersFileException(file, lineNo, "unsupported or malformed password hash for '" + name + "'");
        }
        LinkedHashMap<String, String> extras = new LinkedHashMap<>();
        if (fields.length == 8) {
            for (String token : fields[7].trim().split("\\s+")) {
                if (!token.isEmpty()) {
                    int eq = token.indexOf('=');
                    extras.put(eq < 0 ? token : token.substring(0, eq), eq < 0 ? null : token.substring(eq + 1));
                }
            }
        }
        Optional<ScramCredentials> scram = Optional.empty();
        if (extras.get(SCRAM) != null) {
            try {
                scram = Optional.of(ScramCredentials.parse(extras.get(SCRAM)));
            } catch (IllegalArgumentException e) {
                throw new UsersFileException(file, lineNo, "malformed " + SCRAM + " for '" + name + "'");
            }
        }
        Set<String> senders = addresses(file, lineNo, extras.get(SENDERS), SENDERS);
        Set<String> sendAs = addresses(file, lineNo, extras.get(SEND_AS), SEND_AS);
        return new Entry(new User(name, hash, scram, senders, sendAs), index, extras);
    }

    /** Comma-separated {@code local@domain} or {@code @domain}; domains are lower-cased on the way in. */
    private static Set<String> addresses(Path file, int lineNo, String value, String key) throws UsersFileException {
        Set<String> out = new LinkedHashSet<>();
        if (value == null || value.isEmpty()) {
            return out;
        }
        for (String item : value.split(",", -1)) {
            String normalized = normalizeGrant(item);
            if (normalized == null) {
                throw new UsersFileException(file, lineNo, "bad address '" + item + "' in " + key);
            }
            out.add(normalized);
        }
        return out;
    }

    /**
     * The canonical form of one grant, or null if it is not {@code local@domain} or {@code @domain}. Also
     * refuses characters that would break the extra-fields syntax (space, ',', ':').
     */
    static String normalizeGrant(String item) {
        if (item == null || item.isEmpty() || item.codePoints().anyMatch(c -> c <= 0x20 || c == ',' || c == ':')) {
            return null;
        }
        return item.startsWith("@") ? domainGrant(item) : User.normalize(item);
    }

    /** @throws IllegalArgumentException naming the first bad grant */
    static Set<String> normalizeGrants(Set<String> items) {
        Set<String> out = new LinkedHashSet<>();
        for (String item : items) {
            String normalized = normalizeGrant(item);
            if (normalized == null) {
                throw new IllegalArgumentException("bad sender address '" + item + "'");
            }
            out.add(normalized);
        }
        return out;
    }

    private static String domainGrant(String item) {
        String domain = item.substring(1);
        return domain.isEmpty() || domain.contains("@") ? null : "@" + domain.toLowerCase(java.util.Locale.ROOT);
    }

    /** Names end up in logs and Received headers: no controls, spaces or separators (SASL-04, HDR-08). */
    static boolean isValidName(String name) {
        if (name.isEmpty() || name.length() > 255) {
            return false;
        }
        return name.codePoints().noneMatch(c -> c <= 0x20 || c == 0x7F || c == ':' || c == '#'
                || Character.isWhitespace(c) || Character.getType(c) == Character.CONTROL);
    }

    static String render(User user, Map<String, String> otherExtras) {
        Map<String, String> extras = new LinkedHashMap<>(otherExtras);
        user.scram().ifPresentOrElse(s -> extras.put(SCRAM, s.encode()), () -> extras.remove(SCRAM));
        putList(extras, SENDERS, user.senders());
        putList(extras, SEND_AS, user.sendAs());
        List<String> tokens = new ArrayList<>();
        extras.forEach((k, v) -> tokens.add(v == null ? k : k + "=" + v));
        return user.name() + ":" + user.passwordHash() + "::::::" + String.join(" ", tokens);
    }

    private static void putList(Map<String, String> extras, String key, Set<String> values) {
        if (values.isEmpty()) {
            extras.remove(key);
        } else {
            extras.put(key, String.join(",", values));
        }
    }
}
