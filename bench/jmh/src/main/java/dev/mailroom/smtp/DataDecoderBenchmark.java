package dev.mailroom.smtp;

import dev.mailroom.jmh.Inputs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Message content as the session receives it: {@link #data} is the DATA path of {@link SmtpSession}
 * ({@link SmtpInput#readData} undoing the dot-stuffing and finding CRLF . CRLF, writing through a
 * {@link ContentSink}), {@link #bdat} the BDAT path for text (a chunk read with {@link SmtpInput#readExactly}
 * into a ContentSink that checks for bare CR and LF). The receiver behind the sink, which in the server writes
 * the spool file, is a Blackhole here: only the decoding is measured. One SmtpInput per thread, reused for
 * every message as a session reuses it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DataDecoderBenchmark {

    /** The default max_message_size. */
    private static final long MAX_SIZE = 50L << 20;

    /** Octets of content as stored, before dot-stuffing: 1 KiB and 100 KiB. */
    @Param({"1024", "102400"})
    public int size;

    private byte[] content;
    private ByteArrayInputStream dataWire;
    private ByteArrayInputStream bdatWire;
    private SmtpInput dataInput;
    private SmtpInput bdatInput;
    private OutputStream receiver;

    @Setup
    public void setUp(Blackhole bh) throws IOException {
        content = Inputs.content(size);
        dataWire = new ByteArrayInputStream(Inputs.dotStuffed(content));
        bdatWire = new ByteArrayInputStream(content);
        dataInput = new SmtpInput(dataWire, () -> { });
        bdatInput = new SmtpInput(bdatWire, () -> { });
        receiver = new OutputStream() {
            @Override
            public void write(int b) {
                bh.consume(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bh.consume(b);
                bh.consume(len);
            }
        };
        // The decoder must give back the content exactly, or the benchmark would measure something else.
        java.io.ByteArrayOutputStream decoded = new java.io.ByteArrayOutputStream();
        SmtpInput.DataResult r = new SmtpInput(new ByteArrayInputStream(Inputs.dotStuffed(content)), () -> { })
                .readData(decoded, MAX_SIZE);
        if (r.framing() != SmtpInput.Framing.OK || !java.util.Arrays.equals(decoded.toByteArray(), content)) {
            throw new IllegalStateException("DATA decoding of the benchmark input is wrong: " + r);
        }
    }

    /** DATA: dot-stuffed content up to CRLF . CRLF, decoded into the sink. */
    @Benchmark
    public SmtpInput.DataResult data() throws IOException {
        dataWire.reset();
        ContentSink sink = new ContentSink(receiver, Long.MAX_VALUE, false);
        SmtpInput.DataResult result = dataInput.readData(sink, MAX_SIZE);
        sink.finishWriting();
        return result;
    }

    /** BDAT n LAST of the same content (no stuffing): copied into a sink that checks for bare CR / LF. */
    @Benchmark
    public boolean bdat() throws IOException {
        bdatWire.reset();
        ContentSink sink = new ContentSink(receiver, MAX_SIZE, true);
        if (!bdatInput.readExactly(content.length, sink)) {
            throw new IllegalStateException("short chunk");
        }
        sink.finishWriting();
        return sink.bareNewline() || sink.longestLine() > 998;
    }
}
