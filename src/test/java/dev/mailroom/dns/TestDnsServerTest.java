package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The test DNS server itself, queried with plain dnsjava messages over real UDP and TCP. */
class TestDnsServerTest {
    private TestDnsServer dns;
    private SimpleResolver client;

    @BeforeEach
    void start() throws IOException {
        dns = TestDnsServer.start();
        client = new SimpleResolver(dns.address());
        client.setTimeout(Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private Message ask(String name, int type) throws IOException {
        return client.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    @Test
    void answersWithTheRecordsOfTheAskedTypeOnly() throws IOException {
        dns.add("example.org. 300 IN MX 10 mx1.example.org.", "example.org. MX 20 mx2.example.org.", "example.org. A 192.0.2.1");
        Message r = ask("example.org.", Type.MX);
        assertThat(r.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(r.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(r.getSection(Section.ANSWER)).hasSize(2).allSatisfy(rec -> assertThat(rec).isInstanceOf(MXRecord.class));
        assertThat(r.getSection(Section.ANSWER)).extracting(rec -> ((MXRecord) rec).getTarget().toString())
                .containsExactly("mx1.example.org.", "mx2.example.org.");
        assertThat(r.getSection(Section.ANSWER).getFirst().getTTL()).isEqualTo(300);
    }

    @Test
    void namesCompareCaseInsensitively() throws IOException {
        dns.add("Example.ORG. A 192.0.2.1");
        assertThat(ask("eXample.org.", Type.A).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void unknownNameIsNxdomainKnownNameWithOtherTypesIsNodata() throws IOException {
        dns.add("example.org. A 192.0.2.1", "a.b.example.net. A 192.0.2.2");
        assertThat(ask("nowhere.example.org.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        Message nodata = ask("example.org.", Type.MX);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        // RFC 8020: a name with only descendants exists (an empty non-terminal).
        Message emptyNonTerminal = ask("b.example.net.", Type.A);
        assertThat(emptyNonTerminal.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(emptyNonTerminal.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void cnameIsReturnedAsDataAndNotFollowed() throws IOException {
        dns.add("alias.example.org. CNAME target.example.org.", "target.example.org. A 192.0.2.7");
        Message r = ask("alias.example.org.", Type.A);
        assertThat(r.getSection(Section.ANSWER)).singleElement()
                .satisfies(rec -> assertThat(rec.getType()).isEqualTo(Type.CNAME));
        assertThat(ask("alias.example.org.", Type.CNAME).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void masterTextWithOriginAndRelativeNames() throws IOException {
        dns.add("""
                $ORIGIN example.net.
                $TTL 60
                @     MX   0 .
                mail  TXT  "v=spf1 -all"
                """);
        Message mx = ask("example.net.", Type.MX);
        assertThat(((MXRecord) mx.getSection(Section.ANSWER).getFirst()).getTarget()).isEqualTo(Name.root);
        Message txt = ask("mail.example.net.", Type.TXT);
        assertThat(((TXTRecord) txt.getSection(Section.ANSWER).getFirst()).getStrings()).containsExactly("v=spf1 -all");
        assertThat(txt.getSection(Section.ANSWER).getFirst().getTTL()).isEqualTo(60);
    }

    @Test
    void aMalformedLineIsRejectedAtOnce() {
        assertThatThrownBy(() -> dns.add("example.org. IN MX ten mx1.example.org.")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void servfailAndOtherResponseCodesUntilHealed() throws IOException {
        dns.add("example.org. A 192.0.2.1");
        dns.servfail("example.org.");
        assertThat(ask("example.org.", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
        dns.respond("example.org.", Rcode.REFUSED);
        assertThat(ask("example.org.", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
        dns.heal("example.org.");
        assertThat(ask("example.org.", Type.A).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void droppedNameTimesOut() throws InterruptedException {
        dns.drop("example.org.");
        client.setTimeout(Duration.ofMillis(300));
        assertThatThrownBy(() -> ask("example.org.", Type.A)).isInstanceOf(IOException.class);
        assertThat(dns.awaitQueries("example.org.", 1)).hasSize(1);
    }

    @Test
    void truncatedOverUdpThenFullOverTcp() throws IOException {
        dns.add("example.org. MX 10 mx1.example.org.");
        dns.truncate("example.org.");
        client.setIgnoreTruncation(true);
        Message udp = ask("example.org.", Type.MX);
        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(udp.getSection(Section.ANSWER)).isEmpty();
        client.setIgnoreTruncation(false); // dnsjava now retries over TCP by itself
        Message full = ask("example.org.", Type.MX);
        assertThat(full.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(full.getSection(Section.ANSWER)).hasSize(1);
        assertThat(dns.queries("example.org.")).extracting(TestDnsServer.Query::tcp).containsExactly(false, false, true);
    }

    @Test
    void anAnswerLargerThanTheUdpLimitIsTruncatedLikeARealServer() throws IOException {
        String big = "x".repeat(250);
        for (int i = 0; i < 8; i++) {
            dns.add("big.example.org. TXT \"" + i + big + "\"");
        }
        client.setEDNS(-1); // no EDNS: the 512-octet limit of RFC 1035 applies
        client.setIgnoreTruncation(true);
        assertThat(ask("big.example.org.", Type.TXT).getHeader().getFlag(Flags.TC)).isTrue();
        client.setIgnoreTruncation(false);
        assertThat(ask("big.example.org.", Type.TXT).getSection(Section.ANSWER)).hasSize(8);
    }

    @Test
    void queriesAreRecordedWithTheirTransport() throws IOException {
        dns.add("example.org. A 192.0.2.1");
        ask("example.org.", Type.A);
        client.setTCP(true);
        ask("example.org.", Type.AAAA);
        assertThat(dns.queries()).containsExactly(
                new TestDnsServer.Query(Name.fromString("example.org."), Type.A, false),
                new TestDnsServer.Query(Name.fromString("example.org."), Type.AAAA, true));
    }

    @Test
    void removeForgetsAName() throws IOException {
        dns.add("example.org. A 192.0.2.1");
        dns.remove("example.org.");
        assertThat(ask("example.org.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }
}
