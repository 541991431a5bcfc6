package dev.mailroom.sts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy cache survives a restart and knows when an entry has expired (RFC 8461 sections 5.1 and 10). */
class PolicyCacheTest {
    @TempDir
    Path dir;

    @Test
    void STS_03_aStoredPolicyIsReadBackByANewCacheAndExpiresAfterMaxAge() throws Exception {
        StsPolicy policy = StsPolicy.parse("version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 3600\n");
        Instant fetched = Instant.parse("2026-01-01T00:00:00Z");
        new PolicyCache(dir).put("Example.COM", new PolicyCache.Entry("id1", policy, fetched));
        PolicyCache.Entry back = new PolicyCache(dir).get("example.com").orElseThrow();
        assertThat(back.id()).isEqualTo("id1");
        assertThat(back.policy()).isEqualTo(policy);
        assertThat(back.freshAt(fetched.plusSeconds(3599))).isTrue();
        assertThat(back.freshAt(fetched.plusSeconds(3600))).isFalse();
    }

    @Test
    void aDamagedFileIsAsIfUnknown() throws Exception {
        Files.writeString(dir.resolve("broken.example"), "Mailroom-MTA-STS: 1\nid x\nfetched 1\n\nversion: STSv9\n");
        assertThat(new PolicyCache(dir).get("broken.example")).isEmpty();
        assertThat(new PolicyCache(dir).get("../etc/passwd")).isEmpty();
    }
}
