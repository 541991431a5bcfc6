package dev.mailroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.dkim.Canonicalization;
import dev.mailroom.dkim.DkimAlgorithm;
import dev.mailroom.dkim.DkimKeyFile;
import dev.mailroom.dkim.DkimSettings;
import dev.mailroom.dkim.SignedHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** [dkim] in the configuration: what loads, and every mistake check-config refuses with file, key and reason. */
class DkimConfigTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, "hostname = \"mail.example.org\"\n" + toml);
        return f;
    }

    private Path ed25519Key(String name) throws Exception {
        Path file = dir.resolve(name);
        DkimKeyFile.write(file, DkimKeyFile.generate(DkimAlgorithm.ED25519_SHA256, 0).getPrivate());
        return file;
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private ConfigException error(String toml) throws Exception {
        Path f = write(toml);
        try {
            ConfigLoader.load(f);
        } catch (ConfigException e) {
            assertThat(e.file()).isEqualTo(f.toString());
            return e;
        }
        throw new AssertionError("accepted:\n" + toml);
    }

    @Test
    void withoutDkimNothingIsSigned() throws Exception {
        assertThat(ConfigLoader.load(write("")).dkim().keys()).isEmpty();
        assertThat(ConfigLoader.load(null).dkim()).isEqualTo(DkimSettings.NONE);
    }

    @Test
    void keysCanonicalizationExpiryAndTheDefaultKeyPath() throws Exception {
        Path ed = ed25519Key("ed.key");
        // opendkim-genkey writes PKCS#1 ("BEGIN RSA PRIVATE KEY"): read as well
        Path rsaDir = Files.createDirectories(dir.resolve("data/dkim/example.org"));
        openssl("genrsa", "-traditional", "-out", rsaDir.resolve("rsa1.key").toString(), "2048");
        assertThat(Files.readString(rsaDir.resolve("rsa1.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Files.setPosixFilePermissions(rsaDir.resolve("rsa1.key"), PosixFilePermissions.fromString("rw-r-----"));
        MailroomConfig c = ConfigLoader.load(write("""
                [dkim]
                canonicalization = "simple/relaxed"
                expire_seconds = 604800
                [[dkim.key]]
                domain = "Example.ORG"
                selector = "rsa1"
                algorithm = "rsa"
                [[dkim.key]]
                domain = "example.org"
                selector = "ed1"
                algorithm = "ed25519"
                private_key = "ed.key"
                """));
        DkimSettings d = c.dkim();
        assertThat(d.keys()).containsExactly(
                new DkimSettings.Key("example.org", "rsa1", DkimAlgorithm.RSA_SHA256, rsaDir.resolve("rsa1.key")),
                new DkimSettings.Key("example.org", "ed1", DkimAlgorithm.ED25519_SHA256, ed));
        assertThat(d.canonicalization()).isEqualTo(Canonicalization.Pair.parse("simple/relaxed"));
        assertThat(d.expiry()).isEqualTo(Duration.ofDays(7));
        assertThat(d.headers()).isEqualTo(SignedHeaders.DEFAULT);
    }

    @Test
    void DKIM_03_unreadableWrongAlgorithmAndShortKeysAreRefused() throws Exception {
        assertThat(error("""
                [dkim]
                [[dkim.key]]
                domain = "example.org"
                selector = "s1"
                algorithm = "rsa"
                """).getMessage()).contains("dkim.key[0].private_key: ").contains("data/dkim/example.org/s1.key: no such file");

        Files.writeString(dir.resolve("junk.key"), "this is not PEM\n");
        assertThat(error(key("rsa", "junk.key")).getMessage())
                .contains("dkim.key[0].private_key: ").contains("no PEM private key");

        Path ed = ed25519Key("ed.key");
        assertThat(error(key("rsa", "ed.key")).getMessage())
                .contains("dkim.key[0].algorithm: ").contains(ed + ": holds ed25519 key, not rsa");

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA", "SunRsaSign");
        g.initialize(512);
        DkimKeyFile.write(dir.resolve("short.key"), g.generateKeyPair().getPrivate());
        assertThat(error(key("rsa", "short.key")).getMessage())
                .contains("dkim.key[0].private_key: ").contains("RSA key of 512 bits; DKIM needs at least 1024 (RFC 8301 section 3.2)");

        Files.setPosixFilePermissions(ed, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(error(key("ed25519", "ed.key")).getMessage()).contains("dkim.key[0].private_key: ")
                .endsWith("ed.key: readable or writable by every user (mode rw-r--r--); chmod 600 it");

        openssl("genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:secret", "-out", dir.resolve("enc.key").toString());
        Files.setPosixFilePermissions(dir.resolve("enc.key"), PosixFilePermissions.fromString("rw-------"));
        assertThat(error(key("ed25519", "enc.key")).getMessage()).contains("encrypted private keys are not supported");
    }

    private static String key(String algorithm, String file) {
        return """
                [dkim]
                [[dkim.key]]
                domain = "example.org"
                selector = "s1"
                algorithm = "%s"
                private_key = "%s"
                """.formatted(algorithm, file);
    }

    @Test
    void badSettingsAreRefusedWithTheirKey() throws Exception {
        ed25519Key("ed.key");
        String key = key("ed25519", "ed.key").substring("[dkim]\n".length());
        assertThat(error("[dkim]\ncanonicalization = \"relaxed/nofws\"\n" + key).getMessage())
                .endsWith("dkim.canonicalization: must be relaxed/relaxed, relaxed/simple, simple/relaxed or simple/simple, got relaxed/nofws");
        assertThat(error("[dkim]\nexpire_seconds = -1\n" + key).getMessage()).contains("dkim.expire_seconds: must be between 0 and");
        assertThat(error("[dkim]\nheaders = [\"Subject\", \"To\"]\n" + key).getMessage())
                .endsWith("dkim.headers: must contain From (RFC 6376 section 5.4)");
        assertThat(error("[dkim]\nheaders = [\"From\", \"Received\"]\n" + key).getMessage())
                .endsWith("dkim.headers: Received must not be signed (RFC 6376 section 5.4)");
        assertThat(error("[dkim]\n").getMessage()).contains("dkim.key: [dkim] without a [[dkim.key]] signs nothing");
        assertThat(error(key.replace("ed25519", "dsa").replace("[[dkim.key]]", "[dkim]\n[[dkim.key]]")).getMessage())
                .endsWith("dkim.key[0].algorithm: must be rsa or ed25519, got dsa");
        assertThat(error("[dkim]\n" + key + "bits = 2048\n").getMessage()).endsWith("dkim.key[0].bits: unknown key");
        assertThat(error("[dkim]\n" + key + key).getMessage())
                .endsWith("dkim.key[1].selector: selector s1 of example.org is configured twice");
        assertThat(error("[dkim]\n" + key.replace("s1", "s_1")).getMessage()).endsWith("dkim.key[0].selector: not a valid selector: s_1");
        assertThat(error("[dkim]\n" + key.replace("example.org", "b\u00fccher.example")).getMessage())
                .contains("dkim.key[0].domain: not a valid domain in ASCII (A-labels)");
    }
}
