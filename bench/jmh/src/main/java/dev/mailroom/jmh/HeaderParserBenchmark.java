package dev.mailroom.jmh;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.HeaderAddressParser;
import dev.mailroom.message.HeaderEnd;
import dev.mailroom.message.HeaderField;
import dev.mailroom.message.HeaderSection;
import dev.mailroom.message.MessageFormatException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The header section of {@link Inputs#headerSection()} (16 fields, 1,766 octets, folded Received, DKIM-Signature,
 * References and Content-Type) through the public API of {@code dev.mailroom.message}, as the submission
 * fix-ups and the DKIM signer use it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HeaderParserBenchmark {

    /** The fields whose addresses the submission fix-ups parse (SubmissionFixups.ADDRESS_FIELDS). */
    private static final List<String> ADDRESS_FIELDS = List.of("From", "Sender", "Reply-To", "To", "Cc", "Bcc");

    private byte[] header;
    private byte[] message;
    private HeaderSection parsed;

    @Setup
    public void setUp() throws MessageFormatException {
        header = Inputs.headerSection();
        message = Inputs.content(4096);
        parsed = HeaderSection.parse(header);
        if (parsed.fields().size() != 16) {
            throw new IllegalStateException("expected 16 fields, got " + parsed.fields().size());
        }
    }

    /** Splitting the raw section into its fields (HeaderSection.parse), nothing more. */
    @Benchmark
    public HeaderSection parse() throws MessageFormatException {
        return HeaderSection.parse(header);
    }

    /**
     * The read-only part of SubmissionFixups.apply: parse, count From, look for a duplicate singleton, parse
     * the addresses of From / To / Cc (unfolded values through HeaderAddressParser), then serialise the
     * section back (toBytes). SubmissionFixups itself needs a whole listener's settings and a user directory.
     */
    @Benchmark
    public byte[] submissionChecks(Blackhole bh) throws MessageFormatException, AddressException {
        HeaderSection section = HeaderSection.parse(header);
        bh.consume(section.count("From"));
        bh.consume(section.firstDuplicateSingleton());
        for (String name : ADDRESS_FIELDS) {
            for (HeaderField field : section.all(name)) {
                bh.consume(name.equals("From") || name.equals("Sender")
                        ? HeaderAddressParser.parseMailboxList(field.value(), true)
                        : HeaderAddressParser.parseAddressList(field.value(), true));
            }
        }
        return section.toBytes();
    }

    /** The unfolded, decoded value of every field of an already parsed section (HeaderField.value). */
    @Benchmark
    public void unfoldValues(Blackhole bh) {
        for (HeaderField field : parsed.fields()) {
            bh.consume(field.value());
        }
    }

    /** Finding the empty line that ends the header section in a 4 KiB message (HeaderEnd, fed in one go). */
    @Benchmark
    public long headerEnd() throws MessageFormatException {
        HeaderEnd end = new HeaderEnd();
        end.feed(message);
        end.finish();
        return end.headerLength();
    }
}
