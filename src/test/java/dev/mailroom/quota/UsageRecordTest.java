package dev.mailroom.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The journal's line format. */
class UsageRecordTest {

    @Test
    void aLineRoundTrips() {
        UsageRecord r = new UsageRecord(29453760, "alice@example.com", 1, 3, 2, new long[] {0x0123456789abcdefL, -1L});
        assertThat(r.line()).isEqualTo("29453760 alice@example.com 1 3 2 0123456789abcdef ffffffffffffffff\n");
        assertThat(UsageRecord.parse(r.line().strip())).isEqualTo(r);
    }

    @Test
    void accountsWithSpacesPercentOrNonAsciiAreEncoded() {
        UsageRecord r = new UsageRecord(5, "jürgen 100%@example.com", 0, 0, 0, new long[0]);
        assertThat(r.line()).isEqualTo("5 j%C3%BCrgen%20100%25@example.com 0 0 0\n");
        assertThat(UsageRecord.parse(r.line().strip()).account()).isEqualTo("jürgen 100%@example.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5 alice", "5 alice 1 1", "x alice 1 1 1", "5 alice 1 -1 1", "5 alice 1 1 1 0123",
            "5 alice 1 1 1 0123456789abcdeg", "5 al%2 1 1 1", "5 al%zz 1 1 1", "5  1 1 1"})
    void aBrokenLineIsRefused(String line) {
        assertThatThrownBy(() -> UsageRecord.parse(line)).isInstanceOf(IllegalArgumentException.class);
    }
}
