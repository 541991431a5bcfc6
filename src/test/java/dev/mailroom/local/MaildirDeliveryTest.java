package dev.mailroom.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.Mailbox;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.MessageSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Maildir delivery on the real file system: exact bytes, names, directories, errors. */
class MaildirDeliveryTest {

    @TempDir
    Path dir;

    static final Mailbox ALICE = new Mailbox("alice", "example.org");
    static final Mailbox SENDER = new Mailbox("bob", "sender.example");
    static final byte[] MESSAGE = ("From: bob@sender.example\r\nTo: alice@example.org\r\nSubject: caf\u00e9\r\n\r\n"
            + ".leading dot stays single\r\nbody \u00e9\r\n\r\nlast line without CRLF").getBytes(StandardCharsets.UTF_8);

    private Path root() {
        return dir.resolve("mail");
    }

    private MaildirDelivery delivery() {
        return new MaildirDelivery(new MaildirLayout(root()), "mx1.example.org");
    }

    private static byte[] concat(String prefix, byte[] rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(rest);
        return out.toByteArray();
    }

    private static List<Path> files(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    @Test
    void storesReturnPathDeliveredToAndTheMessageByteForByte() throws Exception {
        SmtpReply reply = delivery().deliver(SENDER, ALICE, MessageSource.of(MESSAGE));

        assertThat(reply.code()).isEqualTo(250);
        assertThat(reply.enhanced()).isEqualTo("2.0.0");
        Path maildir = root().resolve("example.org").resolve("alice");
        List<Path> delivered = files(maildir.resolve("new"));
        assertThat(delivered).hasSize(1);
        byte[] expected = concat("Return-Path: <bob@sender.example>\r\nDelivered-To: alice@example.org\r\n", MESSAGE);
        assertThat(Files.readAllBytes(delivered.getFirst())).isEqualTo(expected);
        assertThat(reply.lines().getFirst()).endsWith(delivered.getFirst().getFileName().toString());
        assertThat(files(maildir.resolve("tmp"))).isEmpty();
        assertThat(files(maildir.resolve("cur"))).isEmpty();
    }

    @Test
    void theNullSenderIsAnEmptyReturnPath() throws Exception {
        Path file = delivery().store(null, ALICE, MessageSource.of(MESSAGE));
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).startsWith("Return-Path: <>\r\nDelivered-To: alice@example.org\r\nFrom: bob@sender.example\r\n");
    }

    @Test
    void fileNameFollowsTheMaildirSpecAndCarriesTheSize() throws Exception {
        Path file = new MaildirDelivery(new MaildirLayout(root()), "mail/host:1,x").store(SENDER, ALICE, MessageSource.of(MESSAGE));
        String name = file.getFileName().toString();
        // <seconds>.M<micros>P<pid>Q<counter>.<host>,S=<size>; "/" → \057, ":" → \072, "," → \054
        assertThat(name).matches("\\d{10,}\\.M\\d{1,6}P" + ProcessHandle.current().pid() + "Q\\d+\\.mail\\\\057host\\\\0721\\\\054x,S=\\d+");
        assertThat(name).endsWith(",S=" + Files.size(file));
    }

    @Test
    void createsCurNewTmpWithMode0700AndReusesThem() throws Exception {
        MaildirDelivery d = delivery();
        d.store(SENDER, ALICE, MessageSource.of(MESSAGE));
        Path maildir = root().resolve("example.org/alice");
        for (String sub : List.of("cur", "new", "tmp")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(maildir.resolve(sub)))).isEqualTo("rwx------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(maildir))).isEqualTo("rwx------");
        d.store(SENDER, ALICE, MessageSource.of(MESSAGE));
        assertThat(files(maildir.resolve("new"))).hasSize(2);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files(maildir.resolve("new")).getFirst())))
                .isEqualTo("rw-------");
    }

    @Test
    void layoutPatternPlacesTheMaildir() throws Exception {
        MaildirDelivery d = new MaildirDelivery(new MaildirLayout(root(), "{domain}/{localpart}/Maildir"), "h");
        Path file = d.store(SENDER, new Mailbox("Alice", "EXAMPLE.Org"), MessageSource.of(MESSAGE));
        assertThat(file.getParent()).isEqualTo(root().resolve("example.org/alice/Maildir/new"));
        assertThat(Files.readString(file)).contains("Delivered-To: Alice@EXAMPLE.Org\r\n");
    }

    @Test
    void manyThreadsDeliveringAtOnceGetUniqueNamesAndIntactFiles() throws Exception {
        MaildirDelivery d = delivery();
        int threads = 16;
        int each = 40;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<Path>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                go.await();
                List<Path> mine = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    byte[] body = ("Subject: " + thread + "/" + i + "\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII);
                    mine.add(d.store(SENDER, ALICE, MessageSource.of(body)));
                }
                return mine;
            }));
        }
        go.countDown();
        Set<Path> all = new HashSet<>();
        for (Future<List<Path>> f : futures) {
            all.addAll(f.get());
        }
        pool.shutdown();
        assertThat(all).hasSize(threads * each);
        Path newDir = root().resolve("example.org/alice/new");
        assertThat(files(newDir)).hasSize(threads * each);
        Set<String> subjects = new HashSet<>();
        for (Path p : files(newDir)) {
            String text = Files.readString(p);
            assertThat(text).startsWith("Return-Path: <bob@sender.example>\r\nDelivered-To: alice@example.org\r\nSubject: ");
            subjects.add(text.lines().skip(2).findFirst().orElseThrow());
        }
        assertThat(subjects).hasSize(threads * each);
        assertThat(files(root().resolve("example.org/alice/tmp"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"../../../etc\"", "\"..\"", "\".\"", "\"a/b\"", "\"/etc/passwd\"", ".hidden",
            "\"..\\/..\\/x\"", "\"%2e%2e\"", "\"a\\\"b\"", "\"nul\u0000byte\"", "\"line\r\nbreak\"", "\u00fcser"})
    void hostileLocalPartsStayInsideTheRootAsOneDirectory(String localPart) throws Exception {
        Path root = root();
        Mailbox hostile = new Mailbox(localPart, "example.org");
        if (localPart.contains("\r")) {
            // Never reaches the disk: a CR/LF in an address would inject header fields.
            assertThat(delivery().deliver(SENDER, hostile, MessageSource.of(MESSAGE)).enhanced()).isEqualTo("5.1.3");
            assertThat(delivery().deliver(hostile, ALICE, MessageSource.of(MESSAGE)).enhanced()).isEqualTo("5.1.7");
            assertThat(Files.exists(root)).isFalse();
            assertThat(new MaildirLayout(root).maildirFor(hostile).getParent()).isEqualTo(root.resolve("example.org"));
            return;
        }
        Path file = delivery().store(SENDER, hostile, MessageSource.of(MESSAGE));
        Path maildir = new MaildirLayout(root).maildirFor(hostile);
        assertThat(maildir.getParent()).isEqualTo(root.resolve("example.org"));
        assertThat(maildir.getFileName().toString()).doesNotStartWith(".").doesNotContain("/");
        assertThat(file.toRealPath().startsWith(root.toRealPath())).isTrue();
        assertThat(file.getParent()).isEqualTo(maildir.resolve("new"));
        try (Stream<Path> everything = Files.walk(dir)) {
            assertThat(everything.filter(Files::isRegularFile)).allMatch(p -> p.startsWith(root));
        }
    }

    @Test
    void differentLocalPartsNeverShareAMaildir() {
        MaildirLayout layout = new MaildirLayout(root());
        List<String> locals = List.of("\"a/b\"", "a%2Fb", "a?b", "\"a:b\"", "\"..\"", "%2E.", "\".x\"", "%2Ex", "\"a b\"", "a%20b");
        Set<Path> dirs = new HashSet<>();
        for (String l : locals) {
            dirs.add(layout.maildirFor(new Mailbox(l, "example.org")));
        }
        assertThat(dirs).hasSize(locals.size());
        // Quoting is notation only, and case is folded: these are one mailbox.
        assertThat(layout.maildirFor(new Mailbox("\"Alice\"", "Example.ORG")))
                .isEqualTo(layout.maildirFor(new Mailbox("alice", "example.org")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "a/b.example", "[127.0.0.1]", "..", "example..org", ".example.org"})
    void hostileDomainsAreRefusedWith550(String domain) throws Exception {
        SmtpReply reply = delivery().deliver(SENDER, new Mailbox("alice", domain), MessageSource.of(MESSAGE));
        assertThat(reply.code()).isEqualTo(550);
        assertThat(reply.enhanced()).isEqualTo("5.1.3");
        assertThat(Files.exists(root())).isFalse();
    }

    @Test
    void anUnqualifiedRecipientHasNoMailbox() {
        SmtpReply reply = delivery().deliver(SENDER, new Mailbox("alice", null), MessageSource.of(MESSAGE));
        assertThat(reply.code()).isEqualTo(550);
    }

    @Test
    void internationalisedDomainsUseALabels() {
        assertThat(new MaildirLayout(root()).maildirFor(new Mailbox("u", "B\u00fccher.example")))
                .isEqualTo(root().resolve("xn--bcher-kva.example/u"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../{localpart}", "/abs/{localpart}", "{domain}", "{user}/{localpart}", "a b/{localpart}",
            "x//{localpart}", "{domain}/./{localpart}", "", "{localpart}/..", "a\\b/{localpart}"})
    void unsafePatternsAreRefused(String pattern) {
        assertThatThrownBy(() -> new MaildirLayout(root(), pattern)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPlaceholderInsideALocalPartIsNotSubstitutedAgain() {
        MaildirLayout layout = new MaildirLayout(root(), "{localpart}.{domain}");
        assertThat(layout.maildirFor(new Mailbox("{domain}", "example.org")))
                .isEqualTo(root().resolve("{domain}.example.org"));
    }

    @Test
    void aForwardingLoopIsRefusedAndLeavesNothing() throws Exception {
        byte[] looped = ("Delivered-To: other@example.org\r\nDELIVERED-TO:   ALICE@example.org \r\nSubject: x\r\n\r\nb\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        SmtpReply reply = delivery().deliver(SENDER, ALICE, MessageSource.of(looped));
        assertThat(reply.code()).isEqualTo(554);
        assertThat(reply.enhanced()).isEqualTo("5.4.6");
        assertThat(files(root().resolve("example.org/alice/new"))).isEmpty();
        assertThat(files(root().resolve("example.org/alice/tmp"))).isEmpty();
    }

    @Test
    void deliveredToInTheBodyOrForAnotherMailboxIsNoLoop() throws Exception {
        byte[] message = ("Delivered-To: alice@example.org.invalid\r\nSubject: x\r\n\r\nDelivered-To: alice@example.org\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(delivery().deliver(SENDER, ALICE, MessageSource.of(message)).code()).isEqualTo(250);
    }

    @Test
    void anIoErrorIsATemporary451AndLeavesNoFile() throws Exception {
        Path maildir = root().resolve("example.org/alice");
        Files.createDirectories(maildir.resolve("cur"));
        Files.createDirectories(maildir.resolve("tmp"));
        Files.writeString(maildir.resolve("new"), "a file where new/ should be");
        SmtpReply reply = delivery().deliver(SENDER, ALICE, MessageSource.of(MESSAGE));
        assertThat(reply.code()).isEqualTo(451);
        assertThat(reply.enhanced()).isEqualTo("4.3.0");
        assertThat(reply.isTransient()).isTrue();
        assertThat(files(maildir.resolve("tmp"))).isEmpty();
    }

    @Test
    void aFullDiskIsATemporary452() throws Exception {
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        Assumptions.assumeTrue(mount(small), "needs permission to mount a small tmpfs (root with CAP_SYS_ADMIN)");
        try {
            MaildirDelivery d = new MaildirDelivery(new MaildirLayout(small), "h");
            byte[] big = new byte[256 * 1024];
            java.util.Arrays.fill(big, (byte) 'x');
            SmtpReply reply = d.deliver(SENDER, ALICE, MessageSource.of(big));
            assertThat(reply.code()).isEqualTo(452);
            assertThat(reply.enhanced()).isEqualTo("4.3.1");
            assertThat(files(small.resolve("example.org/alice/tmp"))).isEmpty();
            assertThat(files(small.resolve("example.org/alice/new"))).isEmpty();
        } finally {
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }

    private static boolean mount(Path at) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
