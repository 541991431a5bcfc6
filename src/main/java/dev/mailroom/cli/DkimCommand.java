package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.dkim.DkimAlgorithm;
import dev.mailroom.dkim.DkimKeyFile;
import dev.mailroom.dkim.DnsKeyRecord;
import dev.mailroom.dkim.KeyFileException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mailroom dkim keygen}: a new signing key and the DNS record that publishes it. */
@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM signing keys.",
        subcommands = {DkimCommand.Keygen.class})
final class DkimCommand {
    static final int FAILED = 1;

    /**
     * Writes a new private key (PKCS#8 PEM, mode 0600) and prints its TXT record in master-file syntax. Never
     * overwrites a key: rotation uses a new selector, and the old key stays until its record is withdrawn.
     */
    @Command(name = "keygen", description = "Generate a DKIM key; print the DNS TXT record to publish.")
    static final class Keygen implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The signing domain (d=), e.g. example.org")
        String domain;
        @Option(names = "--selector", required = true, description = "The selector (s=), e.g. 2026a")
        String selector;
        @Option(names = "--algorithm", defaultValue = "rsa", description = "rsa (default) or ed25519")
        String algorithm;
        @Option(names = "--bits", description = "RSA key size, 1024 to 4096; default 2048")
        Integer bits;
        @Option(names = "--out", description = "The key file; default DATA_DIR/dkim/DOMAIN/SELECTOR.key")
        Path out;
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            String d = domain.toLowerCase(Locale.ROOT);
            if (!dev.mailroom.address.PathParser.isValidDomain(d) || !d.chars().allMatch(c -> c < 128)) {
                return usage("not a valid domain in ASCII (A-labels): " + domain);
            }
            if (!DnsKeyRecord.isValidSelector(selector)) {
                return usage("not a valid selector: " + selector);
            }
            DkimAlgorithm a;
            try {
                a = DkimAlgorithm.ofKeyType(algorithm);
            } catch (IllegalArgumentException e) {
                return usage("--algorithm " + e.getMessage());
            }
            if (bits != null && a != DkimAlgorithm.RSA_SHA256) {
                return usage("--bits is for RSA keys; Ed25519 keys have one size");
            }
            KeyPair pair;
            try {
                pair = DkimKeyFile.generate(a, bits == null ? DkimKeyFile.DEFAULT_RSA_BITS : bits);
            } catch (KeyFileException e) {
                return usage("--bits: " + e.getMessage());
            }
            Path file;
            try {
                file = out != null ? out : ConfigLoader.dataDir(config.file).resolve("dkim").resolve(d)
                        .resolve(selector + ".key");
            } catch (ConfigException e) {
                System.err.println("mailroom: " + e.getMessage());
                return Main.CONFIG_ERROR;
            }
            try {
                Path dir = file.toAbsolutePath().getParent();
                if (!Files.isDirectory(dir)) {
                    // Only the owner needs to see which keys exist.
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                DkimKeyFile.write(file, pair.getPrivate());
            } catch (FileAlreadyExistsException e) {
                System.err.println("mailroom: " + file + " exists; a key in use is never replaced: choose a new selector");
                return FAILED;
            } catch (IOException e) {
                System.err.println("mailroom: cannot write " + file + ": " + e.getMessage());
                return FAILED;
            }
            // The output is a zone-file fragment: comments, then the record.
            System.out.println("; private key: " + file + " (PKCS#8 PEM, mode 0600)");
            System.out.println("; publish this record, then sign with it: [[dkim.key]] domain = \"" + d
                    + "\", selector = \"" + selector + "\", algorithm = \"" + a.keyType() + "\"");
            System.out.println(DnsKeyRecord.masterFileLine(selector, d, DnsKeyRecord.text(a, pair.getPublic())));
            return 0;
        }

        private static int usage(String reason) {
            System.err.println("mailroom dkim keygen: " + reason);
            return Main.CONFIG_ERROR;
        }
    }
}
