package dev.mailroom.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for the header section splitter (RFC 5322 section 2.2). Only {@link MessageFormatException}
 * may escape; an accepted section gives back exactly its bytes (HDR-10), every field has a name and a
 * value, and no line is longer than 998 octets (section 2.1.1). Corpus under
 * {@code HeaderSectionFuzzTestInputs/parse/}; longer runs: README, Tests.
 */
class HeaderSectionFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void parse(byte[] input) {
        HeaderSection section;
        try {
            section = HeaderSection.parse(input);
        } catch (MessageFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(section.toBytes()).isEqualTo(input);
        int total = 0;
        for (HeaderField field : section.fields()) {
            byte[] raw = field.raw();
            total += raw.length;
            assertThat(field.name()).isNotEmpty().doesNotContain(":", " ", "\t");
            assertThat(field.value()).doesNotContain("\r\n");
            assertThat(section.first(field.name())).isPresent();
            assertLinesWithinLimit(raw);
        }
        assertThat(total).isEqualTo(input.length);
        section.firstDuplicateSingleton().ifPresent(name -> assertThat(section.count(name)).isGreaterThan(1));
    }

    private static void assertLinesWithinLimit(byte[] raw) {
        int lineStart = 0;
        for (int i = 0; i + 1 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                assertThat(i - lineStart).isLessThanOrEqualTo(HeaderField.HARD_LINE_LIMIT);
                lineStart = i + 2;
            }
        }
    }
}
