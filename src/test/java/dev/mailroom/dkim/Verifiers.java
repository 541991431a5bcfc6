package dev.mailroom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The two independent DKIM verifiers the tests check signatures with, each run as a real process that fetches the
 * public keys from the test's DNS server over DNS: dkimpy (Debian python3-dkim with dnspython,
 * src/test/python/dkim_verify.py) and mailauth (npm, pinned in src/test/node, installed by .ci/run with npm ci).
 */
public final class Verifiers {
    /** Debian's python3-dkim is installed for the system interpreter, not for whatever python3 is first on PATH. */
    static final String PYTHON = "/usr/bin/python3";
    static final Path PYTHON_SCRIPT = Path.of("src/test/python/dkim_verify.py").toAbsolutePath();
    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    private Verifiers() {
    }

    /** One signature's outcome as a verifier reports it. */
    public record Result(String verifier, String domain, String selector, String algorithm, String outcome, String line) {
        public String signature() {
            return domain + " " + selector + " " + algorithm;
        }
    }

    public static List<Result> dkimpy(byte[] message, int dnsPort) throws Exception {
        return run("dkimpy", message, List.of(PYTHON, PYTHON_SCRIPT.toString()), dnsPort);
    }

    public static List<Result> mailauth(byte[] message, int dnsPort) throws Exception {
        assertThat(NODE_DIR.resolve("node_modules/mailauth")).as("mailauth is installed: run npm ci in %s (.ci/run does)",
                NODE_DIR).isDirectory();
        return run("mailauth", message, List.of("node", NODE_DIR.resolve("dkim-verify.js").toString()), dnsPort);
    }

    /** Both verifiers' results, dkimpy's first. */
    public static List<Result> both(byte[] message, int dnsPort) throws Exception {
        List<Result> all = new ArrayList<>(dkimpy(message, dnsPort));
        all.addAll(mailauth(message, dnsPort));
        return all;
    }

    /**
     * Asserts that both verifiers find exactly these signatures ("domain selector algorithm") and pass each of them.
     */
    public static void assertPass(byte[] message, int dnsPort, String... signatures) throws Exception {
        for (List<Result> results : List.of(dkimpy(message, dnsPort), mailauth(message, dnsPort))) {
            assertThat(results).as("signatures found").extracting(Result::signature).containsExactly(signatures);
            assertThat(results).allSatisfy(r -> assertThat(r.outcome()).as("%s: %s", r.verifier(), r.line()).isEqualTo("pass"));
        }
    }

    /** Asserts that both verifiers find these signatures and fail every one of them. */
    public static void assertFail(byte[] message, int dnsPort, String... signatures) throws Exception {
        for (List<Result> results : List.of(dkimpy(message, dnsPort), mailauth(message, dnsPort))) {
            assertThat(results).extracting(Result::signature).containsExactly(signatures);
            assertThat(results).allSatisfy(r -> assertThat(r.outcome()).as("%s: %s", r.verifier(), r.line()).isNotEqualTo("pass"));
        }
    }

    private static List<Result> run(String verifier, byte[] message, List<String> command, int dnsPort) throws Exception {
        Path file = Files.createTempFile("dkim-", ".eml");
        Path out = Files.createTempFile("dkim-", ".out");
        try {
            Files.write(file, message);
            List<String> cmd = new ArrayList<>(command);
            cmd.add(file.toString());
            cmd.add(String.valueOf(dnsPort));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(done).as("%s finished: %s", verifier, output).isTrue();
            assertThat(p.exitValue()).as("%s exit status; output:%n%s", verifier, output).isZero();
            List<Result> results = new ArrayList<>();
            for (String line : output.split("\n")) {
                String[] f = line.strip().split(" ", 5);
                if (f.length >= 4) {
                    results.add(new Result(verifier, f[0], f[1], f[2], f[3], line));
                }
            }
            return results;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(out);
        }
    }
}
