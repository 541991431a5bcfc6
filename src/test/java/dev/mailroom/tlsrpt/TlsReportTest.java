package dev.mailroom.tlsrpt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The TLSRPT TXT record (RFC 8460 section 3) and the aggregate report's JSON (section 4). */
class TlsReportTest {
    private static final ReportPolicy STS = new ReportPolicy(ReportPolicy.STS, "Example.com",
            List.of("version: STSv1", "mode: enforce", "mx: *.example.com", "max_age: 86400"), List.of("*.example.com"));

    @Test
    void RPT_01_theRecordGivesItsReportingAddresses() {
        assertThat(TlsRptRecord.select(List.of("v=TLSRPTv1; rua=mailto:reports@example.com")).orElseThrow().rua())
                .containsExactly("mailto:reports@example.com");
        assertThat(TlsRptRecord.select(List.of("v=TLSRPTv1;rua=mailto:a@example.com, https://r.example.com/v1;")).orElseThrow()
                .rua()).containsExactly("mailto:a@example.com", "https://r.example.com/v1");
        assertThat(TlsRptRecord.select(List.of("v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.com"))).isPresent();
    }

    @Test
    void RPT_01_noneTwoOrMalformedRecordsMeanNoReports() {
        assertThat(TlsRptRecord.select(List.of())).isEmpty();
        assertThat(TlsRptRecord.select(List.of("v=TLSRPTv1; rua=mailto:a@x.example", "v=TLSRPTv1; rua=mailto:b@x.example")))
                .isEmpty();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1")).isEmpty();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; rua=ftp://x.example")).isEmpty();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; ruf=mailto:a@x.example")).isEmpty();
    }

    @Test
    void RPT_01_aDayWithSuccessesAndFailuresHasTheRfc8460Shape() throws Exception {
        DailyReport day = new DailyReport(LocalDate.of(2026, 11, 29), "example.com");
        day.success(STS);
        day.success(STS);
        day.failure(STS, new DailyReport.FailureKey(ResultType.CERTIFICATE_EXPIRED, "mx2.example.com", "192.0.2.2", "expired"));
        day.failure(STS, new DailyReport.FailureKey(ResultType.CERTIFICATE_EXPIRED, "mx2.example.com", "192.0.2.2", "expired"));
        day.failure(ReportPolicy.none("example.com"), new DailyReport.FailureKey(ResultType.STARTTLS_NOT_SUPPORTED,
                "mx3.example.com", "192.0.2.3", null));
        String json = day.toJson("mail.example.org", "postmaster@example.org");
        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(fieldNames(root)).containsExactlyInAnyOrder("organization-name", "date-range", "contact-info",
                "report-id", "policies");
        assertThat(root.path("date-range").path("start-datetime").asText()).isEqualTo("2026-11-29T00:00:00Z");
        assertThat(root.path("date-range").path("end-datetime").asText()).isEqualTo("2026-11-29T23:59:59Z");
        JsonNode sts = root.path("policies").get(0);
        assertThat(fieldNames(sts)).containsExactlyInAnyOrder("policy", "summary", "failure-details");
        assertThat(sts.path("policy").path("policy-type").asText()).isEqualTo("sts");
        assertThat(sts.path("policy").path("policy-domain").asText()).isEqualTo("example.com");
        assertThat(sts.path("policy").path("policy-string")).hasSize(4);
        assertThat(sts.path("policy").path("mx-host").get(0).asText()).isEqualTo("*.example.com");
        assertThat(sts.path("summary").path("total-successful-session-count").asLong()).isEqualTo(2);
        assertThat(sts.path("summary").path("total-failure-session-count").asLong()).isEqualTo(2);
        JsonNode failure = sts.path("failure-details").get(0);
        assertThat(failure.path("result-type").asText()).isEqualTo("certificate-expired");
        assertThat(failure.path("failed-session-count").asLong()).isEqualTo(2);
        assertThat(failure.path("receiving-ip").asText()).isEqualTo("192.0.2.2");
        JsonNode none = root.path("policies").get(1);
        assertThat(none.path("policy").path("policy-type").asText()).isEqualTo("no-policy-found");
        assertThat(none.path("policy").has("policy-string")).isFalse();
        assertThat(none.path("summary").path("total-successful-session-count").asLong()).isZero();

        // read back after a restart, the day goes on from the same counts
        DailyReport again = DailyReport.fromJson(day.day(), "example.com", json);
        assertThat(again.successes(STS)).isEqualTo(2);
        assertThat(again.toJson("mail.example.org", "postmaster@example.org")).isEqualTo(json);
    }

    private static Set<String> fieldNames(JsonNode node) {
        java.util.Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
