package dev.mailroom.tlsrpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TLS sessions to one policy domain on one UTC day, counted per policy and per kind of failure, and the
 * aggregate report made of them (RFC 8460 section 4.4): organization-name, date-range, contact-info, report-id,
 * and per policy its summary and failure-details. The report can be read back, so that the day's counts go on
 * after a restart.
 */
final class DailyReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One line of failure-details: sessions that failed the same way at the same MX address. */
    record FailureKey(ResultType type, String receivingMx, String receivingIp, String additionalInformation) {
    }

    private static final class Counts {
        long successes;
        final Map<FailureKey, Long> failures = new LinkedHashMap<>();
    }

    private final LocalDate day;
    private final String domain;
    private final Map<ReportPolicy, Counts> policies = new LinkedHashMap<>();

    DailyReport(LocalDate day, String domain) {
        this.day = day;
        this.domain = domain;
    }

    LocalDate day() {
        return day;
    }

    String domain() {
        return domain;
    }

    synchronized void success(ReportPolicy policy) {
        policies.computeIfAbsent(policy, p -> new Counts()).successes++;
    }

    synchronized void failure(ReportPolicy policy, FailureKey key) {
        policies.computeIfAbsent(policy, p -> new Counts()).failures.merge(key, 1L, Long::sum);
    }

    synchronized long successes(ReportPolicy policy) {
        Counts c = policies.get(policy);
        return c == null ? 0 : c.successes;
    }

    /** RFC 8460 section 4.4, as JSON text. */
    synchronized String toJson(String organization, String contact) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("organization-name", organization);
        ObjectNode range = root.putObject("date-range");
        range.put("start-datetime", day + "T00:00:00Z");
        range.put("end-datetime", day + "T23:59:59Z");
        root.put("contact-info", contact);
        root.put("report-id", day + "T00:00:00Z_" + domain + "@" + organization);
        ArrayNode list = root.putArray("policies");
        for (Map.Entry<ReportPolicy, Counts> e : policies.entrySet()) {
            ReportPolicy p = e.getKey();
            Counts c = e.getValue();
            ObjectNode entry = list.addObject();
            ObjectNode policy = entry.putObject("policy");
            policy.put("policy-type", p.type());
            if (!p.lines().isEmpty()) {
                ArrayNode lines = policy.putArray("policy-string");
                p.lines().forEach(lines::add);
            }
            policy.put("policy-domain", p.domain());
            if (!p.mxHosts().isEmpty()) {
                ArrayNode mx = policy.putArray("mx-host");
                p.mxHosts().forEach(mx::add);
            }
            ObjectNode summary = entry.putObject("summary");
            summary.put("total-successful-session-count", c.successes);
            summary.put("total-failure-session-count", c.failures.values().stream().mapToLong(Long::longValue).sum());
            if (!c.failures.isEmpty()) {
                ArrayNode details = entry.putArray("failure-details");
                for (Map.Entry<FailureKey, Long> f : c.failures.entrySet()) {
                    ObjectNode d = details.addObject();
                    d.put("result-type", f.getKey().type().wire());
                    if (f.getKey().receivingMx() != null) {
                        d.put("receiving-mx-hostname", f.getKey().receivingMx());
                    }
                    if (f.getKey().receivingIp() != null) {
                        d.put("receiving-ip", f.getKey().receivingIp());
                    }
                    d.put("failed-session-count", f.getValue());
                    if (f.getKey().additionalInformation() != null) {
                        d.put("additional-information", f.getKey().additionalInformation());
                    }
                }
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /** Reads back a report this class wrote, to go on counting the same day after a restart. */
    static DailyReport fromJson(LocalDate day, String domain, String json) throws IOException {
        DailyReport r = new DailyReport(day, domain);
        JsonNode root = JSON.readTree(json);
        for (JsonNode entry : root.path("policies")) {
            JsonNode p = entry.path("policy");
            ReportPolicy policy = new ReportPolicy(p.path("policy-type").asText(), p.path("policy-domain").asText(domain),
                    strings(p.path("policy-string")), strings(p.path("mx-host")));
            Counts c = r.policies.computeIfAbsent(policy, k -> new Counts());
            c.successes = entry.path("summary").path("total-successful-session-count").asLong();
            for (JsonNode d : entry.path("failure-details")) {
                FailureKey key = new FailureKey(ResultType.fromWire(d.path("result-type").asText()),
                        text(d, "receiving-mx-hostname"), text(d, "receiving-ip"), text(d, "additional-information"));
                c.failures.put(key, d.path("failed-session-count").asLong());
            }
        }
        return r;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }
}
