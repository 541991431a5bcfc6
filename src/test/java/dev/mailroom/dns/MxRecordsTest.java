package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** The MX rules without a network: null MX, unusable targets, delivery order. */
class MxRecordsTest {
    private static final Name DOMAIN = name("example.org.");

    private static Name name(String text) {
        try {
            return Name.fromString(text);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static MXRecord mx(int preference, String target) {
        return new MXRecord(DOMAIN, DClass.IN, 300, preference, name(target));
    }

    @Test
    void nullMxIsOneRecordOfPreferenceZeroPointingAtTheRoot() {
        assertThat(MxRecords.isNullMx(List.of(mx(0, ".")))).isTrue();
        assertThat(MxRecords.isNullMx(List.of(mx(10, ".")))).isFalse();
        assertThat(MxRecords.isNullMx(List.of(mx(0, "."), mx(10, "mx1.example.org.")))).isFalse();
        assertThat(MxRecords.isNullMx(List.of(mx(0, "mx1.example.org.")))).isFalse();
    }

    @Test
    void theRootAndIpAddressesAreNoMailHosts() {
        assertThat(MxRecords.isUsableTarget(name("."))).isFalse();
        assertThat(MxRecords.isUsableTarget(name("192.0.2.1."))).isFalse();
        assertThat(MxRecords.isUsableTarget(name("\\[192.0.2.1\\]."))).isFalse();
        assertThat(MxRecords.isUsableTarget(name("mx1.example.org."))).isTrue();
        // Numeric labels are fine in a host name as long as the whole is not an IPv4 address.
        assertThat(MxRecords.isUsableTarget(name("1.2.3.example.org."))).isTrue();
        assertThat(MxRecords.isUsableTarget(name("192.0.2.256."))).isTrue();
    }

    @Test
    void lowerPreferenceAlwaysFirstAndEqualPreferencesInBothOrders() {
        List<MXRecord> published = List.of(mx(20, "backup.example.org."), mx(10, "a.example.org."), mx(10, "b.example.org."), mx(5, "best.example.org."));
        Random random = new Random(5321);
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            List<String> order = MxRecords.inDeliveryOrder(published, MXRecord::getPriority, random).stream()
                    .map(r -> r.getTarget().toString(true)).toList();
            assertThat(order).hasSize(4);
            assertThat(order.getFirst()).isEqualTo("best.example.org");
            assertThat(order.subList(1, 3)).containsExactlyInAnyOrder("a.example.org", "b.example.org");
            assertThat(order.getLast()).isEqualTo("backup.example.org");
            orders.add(order);
        }
        assertThat(orders).containsExactlyInAnyOrder(
                List.of("best.example.org", "a.example.org", "b.example.org", "backup.example.org"),
                List.of("best.example.org", "b.example.org", "a.example.org", "backup.example.org"));
    }

    @Test
    void orderingLeavesThePublishedListAlone() {
        List<MXRecord> published = List.of(mx(10, "a.example.org."), mx(10, "b.example.org."));
        MxRecords.inDeliveryOrder(published, MXRecord::getPriority, new Random(1));
        assertThat(published).extracting(r -> r.getTarget().toString(true)).containsExactly("a.example.org", "b.example.org");
    }
}
