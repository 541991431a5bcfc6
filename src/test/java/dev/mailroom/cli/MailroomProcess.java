package dev.mailroom.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code mailroom …} as a real child process (same JVM binary and class path as the tests). */
final class MailroomProcess implements AutoCloseable {
    /**
     * How long a started server may take to say it listens: a JVM start takes a few seconds on an idle machine and
     * tens of seconds when the suite's other test JVMs load both cores.
     */
    static final Duration STARTUP = Duration.ofSeconds(90);
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder all = new StringBuilder();

    private MailroomProcess(Process process) {
        this.process = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (all) {
                        all.append(line).append('\n');
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
    }

    static MailroomProcess start(Path workDir, String... args) throws IOException {
        return startWithJvmOptions(workDir, List.of(), args);
    }

    static MailroomProcess startWithJvmOptions(Path workDir, List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        return new MailroomProcess(pb.start());
    }

    /** Runs to completion with the given standard input; returns the exit code. */
    static Result run(Path workDir, String stdin, String... args) throws Exception {
        return runWithJvmOptions(workDir, List.of(), stdin, args);
    }

    static Result runWithJvmOptions(Path workDir, List<String> jvmOptions, String stdin, String... args)
            throws Exception {
        try (MailroomProcess p = startWithJvmOptions(workDir, jvmOptions, args)) {
            p.process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.process.getOutputStream().close();
            if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("mailroom " + String.join(" ", args) + " did not finish");
            }
            Thread.sleep(50); // let the reader drain the pipe
            return new Result(p.process.exitValue(), p.output());
        }
    }

    record Result(int exitCode, String output) {}

    /** Waits for an output line matching the pattern; returns the first group. */
    String await(Pattern pattern, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m.groupCount() > 0 ? m.group(1) : line;
                }
            }
            if (!process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("no line matching " + pattern + " in:\n" + output());
    }

    /** Kills the process as a crash would (SIGKILL: no shutdown hook, nothing flushed or closed). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("process " + process.pid() + " survived SIGKILL");
        }
    }

    /** The child's process id, for {@code jcmd}. */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        synchronized (all) {
            return all.toString();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
