package dev.mailroom.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.sasl.CredentialStoreUnavailableException;
import dev.mailroom.sasl.SaslMechanism;
import dev.mailroom.sasl.SaslMechanisms;
import dev.mailroom.sasl.SaslStep;
import dev.mailroom.sasl.ScramCredentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersFileTest {

    private static final String BCRYPT = "{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private final PasswordHasher hasher = new PasswordHasher(new Argon2Parameters(64, 1, 1));

    private UsersFile file(String... lines) throws Exception {
        Path p = dir.resolve("users");
        Files.write(p, List.of(lines));
        return new UsersFile(p, hasher, clock);
    }

    @Test
    void parsesDovecotPasswdFileLines_withCommentsAndExtraFields() throws Exception {
        UsersFile users = file(
                "# Mailroom users",
                "",
                "carol@example.com:" + BCRYPT + "::::::senders=c@Example.COM,@example.org send_as=team@example.com"
                        + " userdb_quota_rule=*:storage=1G",
                "dave:" + BCRYPT);
        User carol = users.find("carol@example.com").orElseThrow();
        assertThat(carol.senders()).containsExactlyInAnyOrder("c@example.com", "@example.org");
        assertThat(carol.sendAs()).containsExactly("team@example.com");
        assertThat(carol.scram()).isEmpty();
        assertThat(carol.rightFor("c@example.com")).isEqualTo(SenderRight.OWN);
        assertThat(users.verifyPassword("carol@example.com", "correct horse")).isTrue();
        assertThat(users.verifyPassword("carol@example.com", "wrong")).isFalse();
        assertThat(users.verifyPassword("dave", "correct horse")).isTrue();
        assertThat(users.verifyPassword("nobody", "correct horse")).isFalse();
        assertThat(users.list()).extracting(User::name).containsExactly("carol@example.com", "dave");
    }

    @Test
    void addWritesArgon2idAndScram_atomically_0600_keepingComments() throws Exception {
        UsersFile users = file("# keep me", "dave:" + BCRYPT + "::::::x_custom=1");
        users.add("alice@example.com", "s3cret", Set.of("alias@Example.com"), Set.of("team@example.com"));

        List<String> lines = Files.readAllLines(users.path());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("# keep me");
        assertThat(lines.get(1)).isEqualTo("dave:" + BCRYPT + "::::::x_custom=1");
        assertThat(lines.get(2)).matches("alice@example\\.com:\\{ARGON2ID}\\$argon2id\\$[^:]+::::::"
                + "scram_sha_256=\\{SCRAM-SHA-256}4096,\\S+ senders=alias@example\\.com send_as=team@example\\.com");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(users.path()))).isEqualTo("rw-------");
        try (var stream = Files.list(dir)) {
            assertThat(stream.map(p -> p.getFileName().toString())).containsExactly("users"); // no temp left
        }

        assertThat(users.verifyPassword("alice@example.com", "s3cret")).isTrue();
        ScramCredentials scram = users.scramSha256("alice@example.com").orElseThrow();
        assertThat(ScramCredentials.derive("s3cret", scram.salt(), scram.iterations())).isEqualTo(scram);
        assertThatThrownBy(() -> users.add("alice@example.com", "x", Set.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> users.add("eve", "x", Set.of("not an address"), Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addedUserCanLogInWithPlainAndScram() throws Exception {
        UsersFile users = file();
        users.add("alice", "pencil", Set.of(), Set.of());
        SaslMechanism plain = SaslMechanisms.create("PLAIN", users);
        assertThat(plain.step("\0alice\0pencil".getBytes(StandardCharsets.UTF_8))).isEqualTo(new SaslStep.Success("alice"));
        assertThat(users.scramSha256("alice")).isPresent();
    }

    @Test
    void setPasswordAndRemove_keepOtherLinesAndFields() throws Exception {
        UsersFile users = file("# head", "dave:" + BCRYPT + "::::::senders=d@example.com x_custom=1", "# tail");
        assertThat(users.setPassword("dave", "new-pass")).isTrue();
        assertThat(users.verifyPassword("dave", "new-pass")).isTrue();
        assertThat(users.verifyPassword("dave", "correct horse")).isFalse();
        List<String> lines = Files.readAllLines(users.path());
        assertThat(lines.get(0)).isEqualTo("# head");
        assertThat(lines.get(1)).startsWith("dave:{ARGON2ID}").contains("senders=d@example.com", "x_custom=1",
                "scram_sha_256=");
        assertThat(lines.get(2)).isEqualTo("# tail");

        assertThat(users.remove("dave")).isTrue();
        assertThat(users.remove("dave")).isFalse();
        assertThat(users.setPassword("nobody", "x")).isFalse();
        assertThat(Files.readAllLines(users.path())).containsExactly("# head", "# tail");
        assertThat(users.find("dave")).isEmpty();
    }

    @Test
    void reloadsWhenTheFileChanges_checkingAtMostOncePerSecond() throws Exception {
        UsersFile users = file("dave:" + BCRYPT);
        assertThat(users.find("erin")).isEmpty();

        Files.write(users.path(), List.of("dave:" + BCRYPT, "erin:" + BCRYPT));
        clock.advance(Duration.ofMillis(500));
        assertThat(users.find("erin")).isEmpty(); // within the 1 s interval: the snapshot is reused

        clock.advance(Duration.ofMillis(600));
        assertThat(users.find("erin")).isPresent();
    }

    @Test
    void malformedLine_namesFileAndLine_neverTheHash() throws Exception {
        String secretish = "{ARGON2ID}$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$SECRETSECRET";
        UsersFile users = file("# c", "dave:" + BCRYPT, "erin:" + secretish);
        assertThatThrownBy(users::list)
                .isInstanceOfSatisfying(UsersFileException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.file()).isEqualTo(users.path());
                    assertThat(e.getMessage()).contains("users:3", "erin").doesNotContain("SECRET");
                });
        assertThatThrownBy(() -> users.find("dave")).isInstanceOf(CredentialStoreUnavailableException.class);
        assertThatThrownBy(() -> users.add("x", "y", Set.of(), Set.of())).isInstanceOf(UsersFileException.class);
    }

    @Test
    void otherMalformedLines() throws Exception {
        assertThatThrownBy(() -> file("justaname").list()).isInstanceOf(UsersFileException.class);
        assertThatThrownBy(() -> file("a:" + BCRYPT, "a:" + BCRYPT).list()).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> file("a:" + BCRYPT + "::::::senders=a@").list()).hasMessageContaining("senders");
        assertThatThrownBy(() -> file("a:" + BCRYPT + "::::::scram_sha_256=junk").list())
                .hasMessageContaining("scram_sha_256");
    }

    @Test
    void aBrokenEditKeepsTheLastGoodVersionInService() throws Exception {
        UsersFile users = file("dave:" + BCRYPT);
        assertThat(users.find("dave")).isPresent();
        Files.write(users.path(), List.of("dave:" + BCRYPT, "broken line"));
        clock.advance(Duration.ofSeconds(2));
        assertThat(users.find("dave")).isPresent();
    }

    @Test
    void AUTH_14_missingFileIsUnavailable_notWrongPassword() {
        UsersFile users = new UsersFile(dir.resolve("absent"), hasher, clock);
        assertThatThrownBy(() -> users.verifyPassword("a", "b")).isInstanceOf(CredentialStoreUnavailableException.class);
    }
}
