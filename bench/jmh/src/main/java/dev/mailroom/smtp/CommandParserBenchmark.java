package dev.mailroom.smtp;

import dev.mailroom.envelope.Recipient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * SMTP command lines as {@link SmtpSession} handles them: {@link SmtpInput#readLine} frames the line, the
 * verb is split off and upper-cased, and MAIL / RCPT arguments go through {@link PathArguments} (and so
 * through {@code dev.mailroom.address.PathParser} and {@code Xtext}). In this package because PathArguments
 * is package-private; the session's own dispatch ({@code handle}) is private, so
 * {@link #pipelinedTransaction} repeats its few lines of line decoding and verb splitting.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CommandParserBenchmark {

    /** What the session passes to readLine: max(AUTH line limit 12288, command line limit). */
    private static final int LINE_LIMIT = ListenerSettings.DEFAULT_AUTH_LINE_LIMIT;
    /** An ESMTP session inside TLS on a listener with the default limits: every extension offered. */
    private static final PathArguments.Offered OFFERED = new PathArguments.Offered(true, true, true, true, 50L << 20);

    static final String EHLO = "EHLO client.example.org";
    static final String MAIL = "MAIL FROM:<alice.sender@example.org> SIZE=48213 BODY=8BITMIME";
    static final String RCPT = "RCPT TO:<bob@example.net>";
    static final String RCPT_DSN = "RCPT TO:<carol.receiver@mail.example.net> NOTIFY=SUCCESS,FAILURE"
            + " ORCPT=rfc822;carol.receiver@mail.example.net";
    static final String DATA = "DATA";
    /** One transaction as a pipelining client sends it (RFC 2920): the lines after EHLO in one write. */
    static final String[] TRANSACTION = {EHLO, MAIL, RCPT, RCPT_DSN, DATA};

    private String mailArg;
    private String rcptArg;
    private String rcptDsnArg;
    private ByteArrayInputStream wire;
    private SmtpInput input;

    @Setup
    public void setUp() throws SmtpException {
        mailArg = MAIL.substring(4);
        rcptArg = RCPT.substring(4);
        rcptDsnArg = RCPT_DSN.substring(4);
        wire = new ByteArrayInputStream((String.join("\r\n", TRANSACTION) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        input = new SmtpInput(wire, () -> { });
        // The inputs must parse, or the benchmark would measure the error path.
        PathArguments.parseMail(mailArg, OFFERED);
        PathArguments.parseRcpt(rcptArg, OFFERED, false);
        PathArguments.parseRcpt(rcptDsnArg, OFFERED, false);
    }

    /** MAIL FROM:&lt;alice.sender@example.org&gt; SIZE=48213 BODY=8BITMIME, the arguments after the verb. */
    @Benchmark
    public PathArguments.Mail parseMail() throws SmtpException {
        return PathArguments.parseMail(mailArg, OFFERED);
    }

    /** RCPT TO:&lt;bob@example.net&gt;, no parameters. */
    @Benchmark
    public Recipient parseRcpt() throws SmtpException {
        return PathArguments.parseRcpt(rcptArg, OFFERED, false);
    }

    /** RCPT TO with the DSN parameters NOTIFY=SUCCESS,FAILURE and ORCPT=rfc822;... (RFC 3461). */
    @Benchmark
    public Recipient parseRcptDsn() throws SmtpException {
        return PathArguments.parseRcpt(rcptDsnArg, OFFERED, false);
    }

    /**
     * The five lines EHLO, MAIL, RCPT, RCPT with DSN, DATA read from one buffer, each decoded and split into
     * verb and argument as the session does, MAIL and RCPT parsed; the score is per command line.
     */
    @Benchmark
    @OperationsPerInvocation(5)
    public void pipelinedTransaction(Blackhole bh) throws IOException, SmtpException {
        wire.reset();
        for (int i = 0; i < TRANSACTION.length; i++) {
            SmtpInput.Line line = input.readLine(LINE_LIMIT);
            if (line.framing() != SmtpInput.Framing.OK) {
                throw new IllegalStateException("framing " + line.framing());
            }
            byte[] raw = line.bytes();
            String text = isAscii(raw) ? new String(raw, StandardCharsets.ISO_8859_1) : line.text();
            int space = text.indexOf(' ');
            String verb = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            String arg = space < 0 ? "" : text.substring(space);
            switch (verb) {
                case "MAIL" -> bh.consume(PathArguments.parseMail(arg, OFFERED));
                case "RCPT" -> bh.consume(PathArguments.parseRcpt(arg, OFFERED, false));
                default -> bh.consume(arg);
            }
        }
    }

    private static boolean isAscii(byte[] raw) {
        for (byte b : raw) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
