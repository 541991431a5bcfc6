package dev.mailroom.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The MTA-STS TXT record, the policy file and MX patterns (RFC 8461 sections 3.1, 3.2 and 4.1). */
class StsParsingTest {

    @Test
    void STS_01_oneValidRecordGivesItsId() {
        assertThat(StsTxtRecord.select(List.of("v=STSv1; id=20160831085700Z;"))).contains(new StsTxtRecord("20160831085700Z"));
        assertThat(StsTxtRecord.select(List.of("v=STSv1;id=abc"))).contains(new StsTxtRecord("abc"));
        assertThat(StsTxtRecord.select(List.of("v=STSv1; id=abc; ext=1"))).contains(new StsTxtRecord("abc"));
        // records for other purposes are discarded first
        assertThat(StsTxtRecord.select(List.of("v=spf1 -all", "v=STSv1; id=1"))).contains(new StsTxtRecord("1"));
    }

    @Test
    void STS_01_zeroOrTwoRecordsMeanNoPolicy() {
        assertThat(StsTxtRecord.select(List.of())).isEmpty();
        assertThat(StsTxtRecord.select(List.of("v=STSv1; id=1", "v=STSv1; id=2"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=STSv1;", "v=STSv1", "v=STSv1; id=", "v=STSv1; id=a-b", "v=STSv1; id=123456789012345678901234567890123",
            "v=STSv1; id=1; id=2", "v=STSv2; id=1", "v=STSv1x; id=1", "v=STSv1; ;id=1", "v=STSv1; ext", "id=1; v=STSv1"})
    void STS_01_malformedRecordsAreNoPolicy(String record) {
        assertThat(StsTxtRecord.parse(record)).isEmpty();
    }

    @Test
    void STS_03_aPolicyIsParsed() throws Exception {
        StsPolicy p = StsPolicy.parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                + "max_age: 604800\r\nfuture_key: whatever\r\n");
        assertThat(p.mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        assertThat(p.mx()).extracting(MxPattern::text).containsExactly("mail.example.com", "*.example.net");
        assertThat(p.maxAge()).isEqualTo(Duration.ofSeconds(604800));
        assertThat(p.lines()).contains("mode: enforce", "mx: *.example.net");
        assertThat(StsPolicy.parse("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 31557600").mode())
                .isEqualTo(StsPolicy.Mode.TESTING);
        assertThat(StsPolicy.parse("version: STSv1\nmode: none\nmax_age: 0\n").mx()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",
            "mode: enforce\nmx: a.example\nmax_age: 1\n",
            "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",
            "version: STSv1\nmode: enforce\nmax_age: 1\n",
            "version: STSv1\nmode: enforce\nmx: a.example\n",
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n",
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",
            "version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 1\n",
            "version: STSv1\nmode: enforce\nmx: mx.*.example\nmax_age: 1\n",
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\ngarbage line\n",
            "<html>policy</html>"})
    void STS_03_invalidPoliciesAreRefused(String body) {
        assertThatThrownBy(() -> StsPolicy.parse(body)).isInstanceOf(StsPolicyException.class);
    }

    @Test
    void STS_03_theWildcardIsOneWholeLeftmostLabel() {
        MxPattern wild = MxPattern.parse("*.example.com").orElseThrow();
        assertThat(wild.matches("mx.example.com")).isTrue();
        assertThat(wild.matches("MX.Example.COM.")).isTrue();
        assertThat(wild.matches("a.b.example.com")).isFalse();
        assertThat(wild.matches("example.com")).isFalse();
        assertThat(wild.matches("mxexample.com")).isFalse();
        MxPattern exact = MxPattern.parse("mail.example.com").orElseThrow();
        assertThat(exact.matches("mail.example.com")).isTrue();
        assertThat(exact.matches("x.mail.example.com")).isFalse();
        assertThat(MxPattern.parse("*mx.example.com")).isEmpty();
        assertThat(MxPattern.parse("mx.*.example.com")).isEmpty();
        assertThat(MxPattern.parse("*")).isEmpty();
        assertThat(MxPattern.parse("*.*.example.com")).isEmpty();
    }

    @Test
    void STS_02_httpResponsesAreFramedByLengthOrChunks() throws Exception {
        HttpResponse fixed = read("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(fixed.status()).isEqualTo(200);
        assertThat(fixed.mediaType()).isEqualTo("text/plain");
        assertThat(new String(fixed.body(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        HttpResponse chunked = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n");
        assertThat(new String(chunked.body(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        HttpResponse untilClose = read("HTTP/1.0 302 Found\r\nLocation: https://x.example/\r\n\r\nmoved");
        assertThat(untilClose.status()).isEqualTo(302);
        assertThat(untilClose.headers()).containsKey("location");
    }

    @Test
    void STS_02_tooLargeOrBrokenResponsesFail() {
        assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n"))
                .isInstanceOf(HttpResponse.TooLargeException.class);
        assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(PolicyFetcher.MAX_POLICY_OCTETS + 1)))
                .isInstanceOf(HttpResponse.TooLargeException.class);
        assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read("SMTP/1.1 200 OK\r\n\r\n")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).isInstanceOf(IOException.class);
    }

    private static HttpResponse read(String wire) throws IOException {
        return HttpResponse.read(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)),
                PolicyFetcher.MAX_POLICY_OCTETS);
    }
}
