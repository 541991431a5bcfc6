package dev.mailroom.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Dovecot LMTP server for tests: the real {@code dovecot} binary in the foreground, its base_dir,
 * state, log and mail under one temporary directory, LMTP on 127.0.0.1 at a free port and on a Unix
 * socket, users from a passwd-file, mail stored as {@code maildir:<dir>/mail/%d/%n} with CRLF line ends and
 * no Received field, so a stored file is exactly {@code Return-Path: <sender>} plus the message.
 *
 * <p>Dovecot will not deliver as root: when the tests run as root, mail is owned by {@link #ROOT_MAIL_UID},
 * a fixed unprivileged uid with no account, and the directories it needs are made writable for it. Run as
 * another user, Dovecot runs entirely as that user.
 */
final class DovecotLmtp implements AutoCloseable {

    /** Not an account on any usual system; Dovecot needs only a number. */
    static final int ROOT_MAIL_UID = 9999;

    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/dovecot"), Path.of("/usr/local/sbin/dovecot"));
    private static final List<Path> LMTP_BINARIES = List.of(Path.of("/usr/lib/dovecot/lmtp"), Path.of("/usr/libexec/dovecot/lmtp"),
            Path.of("/usr/local/libexec/dovecot/lmtp"));

    private final Path dir;
    private final Process process;
    private final int port;

    private DovecotLmtp(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts Dovecot with these users (addresses, no passwords) and waits until both listeners answer.
     *
     * @throws IllegalStateException when Dovecot is not installed: the tests require it (.ci/run installs it)
     */
    static DovecotLmtp start(Path dir, List<String> users) throws IOException, InterruptedException {
        Path binary = Stream.concat(BINARIES.stream(), onPath("dovecot")).filter(Files::isExecutable).findFirst()
                .orElseThrow(DovecotLmtp::notInstalled);
        if (LMTP_BINARIES.stream().noneMatch(Files::isExecutable)) {
            throw notInstalled();
        }
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path run = dir.resolve("attempt-" + attempt);
            Files.createDirectories(run);
            try {
                return startOnce(binary, run, users);
            } catch (IOException e) {
                last = e; // most likely the free port was taken between our probe and Dovecot's bind
            }
        }
        throw last;
    }

    private static Stream<Path> onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(java.io.File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, command));
    }

    private static IllegalStateException notInstalled() {
        return new IllegalStateException("Dovecot is not installed (dovecot and its lmtp service are needed by the local "
                + "delivery tests): run .ci/run, which installs dovecot-core and dovecot-lmtpd");
    }

    private static DovecotLmtp startOnce(Path binary, Path dir, List<String> users) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path mail = dir.resolve("mail");
        Files.createDirectories(mail);
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        int uid;
        int gid;
        if (root) {
            uid = ROOT_MAIL_UID;
            gid = ROOT_MAIL_UID;
            // JUnit's temporary directories are 0700; the mail user must pass through them to mail/. Only
            // directories below the system's temporary directory are touched, and only to add search (x).
            Path tmpRoot = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
            for (Path p = dir.toRealPath(); p != null && p.startsWith(tmpRoot) && !p.equals(tmpRoot); p = p.getParent()) {
                Set<PosixFilePermission> perms = new HashSet<>(Files.getPosixFilePermissions(p));
                perms.add(PosixFilePermission.GROUP_EXECUTE);
                perms.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
            }
            Files.setAttribute(mail, "unix:uid", uid);
            Files.setAttribute(mail, "unix:gid", gid);
        } else {
            uid = (Integer) Files.getAttribute(mail, "unix:uid");
            gid = (Integer) Files.getAttribute(mail, "unix:gid");
        }
        StringBuilder passwd = new StringBuilder();
        for (String u : users) {
            passwd.append(u).append("::::::\n");
        }
        Files.writeString(dir.resolve("users"), passwd);
        int port = freePort();
        Files.writeString(dir.resolve("dovecot.conf"), config(dir, port, uid, gid, root), StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(binary.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dovecot.out").toFile())
                .start();
        DovecotLmtp d = new DovecotLmtp(dir, process, port);
        try {
            d.awaitListening();
            return d;
        } catch (IOException | RuntimeException | InterruptedException e) {
            d.close();
            throw e;
        }
    }

    private static String config(Path dir, int port, int uid, int gid, boolean root) {
        String user = System.getProperty("user.name");
        String unprivileged = root ? "" : """
                default_internal_user = %1$s
                default_internal_group = %1$s
                default_login_user = %1$s
                """.formatted(user);
        return """
                # Written by DovecotLmtp for one test run.
                base_dir = %1$s/run
                state_dir = %1$s/state
                instance_name = mailroom-test-%2$d
                log_path = %1$s/dovecot.log
                protocols = lmtp
                listen = 127.0.0.1
                ssl = no
                %5$s
                mail_location = maildir:%1$s/mail/%%d/%%n
                mail_uid = %3$d
                mail_gid = %4$d
                first_valid_uid = %3$d
                last_valid_uid = %3$d
                first_valid_gid = %4$d
                last_valid_gid = %4$d
                # Byte-exact stored files: CRLF as received, and Return-Path the only field Dovecot adds.
                mail_save_crlf = yes
                lmtp_add_received_header = no
                recipient_delimiter = +
                # LMTP needs only the userdb; the auth process refuses to start without a passdb.
                passdb {
                  driver = passwd-file
                  args = username_format=%%u %1$s/users
                }
                userdb {
                  driver = passwd-file
                  args = username_format=%%u %1$s/users
                }
                service lmtp {
                  inet_listener lmtp {
                    address = 127.0.0.1
                    port = %2$d
                  }
                  unix_listener lmtp {
                    mode = 0666
                  }
                }
                """.formatted(dir, port, uid, gid, unprivileged);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dovecot exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(unixSocket()) && tcpAnswers()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("dovecot did not listen within 15 s:\n" + log());
    }

    private boolean tcpAnswers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    LmtpTarget tcp() {
        return new LmtpTarget.Tcp("127.0.0.1", port);
    }

    LmtpTarget unix() {
        return new LmtpTarget.Unix(unixSocket());
    }

    private Path unixSocket() {
        return dir.resolve("run").resolve("lmtp");
    }

    /** The messages in the user's new/, oldest name first. */
    List<byte[]> delivered(String address) throws IOException {
        int at = address.lastIndexOf('@');
        Path newDir = dir.resolve("mail").resolve(address.substring(at + 1)).resolve(address.substring(0, at)).resolve("new");
        if (!Files.isDirectory(newDir)) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(newDir)) {
            for (Path p : files.sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** Dovecot's log and console output, for failure messages. */
    String log() {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("dovecot.log", "dovecot.out")) {
            try {
                Path p = dir.resolve(name);
                if (Files.exists(p)) {
                    sb.append(Files.readString(p));
                }
            } catch (IOException e) {
                sb.append("(").append(name).append(" unreadable: ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /** SIGTERM to the master, which stops its children; then anything of ours still alive is killed. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }
}
