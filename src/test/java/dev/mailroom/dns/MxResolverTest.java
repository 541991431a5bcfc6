package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** MX routing (RFC 5321 section 5.1, RFC 7505) against a real DNS server on loopback, over UDP and TCP. */
class MxResolverTest {
    private TestDnsServer dns;
    private MxResolver resolver;

    @BeforeEach
    void start() throws IOException {
        dns = TestDnsServer.start();
        resolver = new MxResolver(List.of(dns.address()), Duration.ofSeconds(2), 1);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // a literal: no lookup happens
    }

    private static List<TargetHost> hosts(Route route) {
        assertThat(route).isInstanceOf(Route.Hosts.class);
        return ((Route.Hosts) route).hosts();
    }

    private static Route.Failure failure(Route route, Class<? extends Route.Failure> type) {
        assertThat(route).isInstanceOf(type);
        return (Route.Failure) route;
    }

    @Test
    void mxHostsInPreferenceOrderWithTheirIpv4AndIpv6Addresses() throws UnknownHostException {
        dns.add("example.org. 300 IN MX 20 mx2.example.org.",
                "example.org. 300 IN MX 10 mx1.example.org.",
                "mx1.example.org. 300 IN AAAA ::1",
                "mx1.example.org. 300 IN A 127.0.0.1",
                "mx2.example.org. 300 IN A 127.0.0.2");
        assertThat(hosts(resolver.resolve("example.org"))).containsExactly(
                new TargetHost("mx1.example.org", 10, List.of(ip("127.0.0.1"), ip("::1")), false),
                new TargetHost("mx2.example.org", 20, List.of(ip("127.0.0.2")), false));
    }

    @Test
    void equalPreferencesAreTriedInRandomOrderLowerPreferenceAlwaysFirst() {
        dns.add("example.org. MX 10 a.example.org.", "example.org. MX 10 b.example.org.", "example.org. MX 30 c.example.org.",
                "a.example.org. A 127.0.0.1", "b.example.org. A 127.0.0.2", "c.example.org. A 127.0.0.3");
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            List<String> order = hosts(resolver.resolve("example.org")).stream().map(TargetHost::name).toList();
            assertThat(order.subList(0, 2)).containsExactlyInAnyOrder("a.example.org", "b.example.org");
            assertThat(order.get(2)).isEqualTo("c.example.org");
            orders.add(order);
        }
        // Each order has probability 1/2 per resolution: both appear in 60 unless the shuffle is broken (2^-59).
        assertThat(orders).hasSize(2);
    }

    @Test
    void noMxButAnAddressIsTheImplicitMx() throws UnknownHostException {
        dns.add("example.org. A 127.0.0.9", "example.org. AAAA ::1", "example.org. TXT \"v=spf1 -all\"");
        assertThat(hosts(resolver.resolve("example.org")))
                .containsExactly(new TargetHost("example.org", 0, List.of(ip("127.0.0.9"), ip("::1")), true));
    }

    @Test
    void implicitMxWithIpv6Only() throws UnknownHostException {
        dns.add("v6.example.org. AAAA 2001:db8::25");
        assertThat(hosts(resolver.resolve("v6.example.org")).getFirst().addresses()).containsExactly(ip("2001:db8::25"));
    }

    @Test
    void nullMxFailsAtOnceEvenWithAnAddressRecord() {
        dns.add("example.org. MX 0 .", "example.org. A 127.0.0.1");
        Route.Failure f = failure(resolver.resolve("example.org"), Route.NullMx.class);
        assertThat(f.failureReply().code()).isEqualTo(556);
        assertThat(f.failureReply().enhanced()).isEqualTo("5.1.10");
        assertThat(dns.queries()).extracting(TestDnsServer.Query::type).containsOnly(Type.MX); // no address lookups
    }

    @Test
    void aRootTargetBesideRealMxRecordsIsSkipped() throws UnknownHostException {
        dns.add("example.org. MX 0 .", "example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.1");
        assertThat(hosts(resolver.resolve("example.org")))
                .containsExactly(new TargetHost("mx1.example.org", 10, List.of(ip("127.0.0.1")), false));
    }

    @Test
    void nxdomainIsPermanent() {
        dns.add("example.org. A 127.0.0.1");
        Route.Failure f = failure(resolver.resolve("nowhere.example.org"), Route.NoSuchDomain.class);
        assertThat(f.failureReply().wire()).isEqualTo("550 5.1.2 nowhere.example.org: no such domain\r\n");
    }

    @Test
    void aDomainWithNeitherMxNorAddressIsPermanent() {
        dns.add("example.org. TXT \"no mail here\"");
        Route.Failure f = failure(resolver.resolve("example.org"), Route.NoSuchDomain.class);
        assertThat(f.failureReply().code()).isEqualTo(550);
        assertThat(f.failureReply().lines().getFirst()).contains("neither MX nor address");
    }

    @Test
    void servfailIsTemporary() {
        dns.add("example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.1");
        dns.servfail("example.org.");
        Route.Failure f = failure(resolver.resolve("example.org"), Route.TemporaryFailure.class);
        assertThat(f.failureReply().code()).isEqualTo(451);
        assertThat(f.failureReply().enhanced()).isEqualTo("4.4.3");
        assertThat(f.failureReply().lines().getFirst()).contains("SERVFAIL");
    }

    @Test
    void refusedIsTemporary() {
        dns.respond("example.org.", Rcode.REFUSED);
        assertThat(resolver.resolve("example.org")).isInstanceOf(Route.TemporaryFailure.class);
    }

    @Test
    void noAnswerIsATemporaryFailureAfterTheRetries() throws InterruptedException {
        Duration timeout = Duration.ofMillis(300);
        MxResolver impatient = new MxResolver(List.of(dns.address()), timeout, 1);
        dns.drop("example.org.");
        long start = System.nanoTime();
        Route.Failure f = failure(impatient.resolve("example.org"), Route.TemporaryFailure.class);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(f.failureReply().lines().getFirst()).contains("timed out");
        assertThat(took).isGreaterThanOrEqualTo(timeout.multipliedBy(2)).isLessThan(Duration.ofSeconds(5));
        assertThat(dns.awaitQueries("example.org.", 2)).hasSize(2); // the first attempt and one retry
        Thread.sleep(timeout.toMillis()); // and no third attempt
        assertThat(dns.queries("example.org.")).hasSize(2);
    }

    @Test
    void aSilentServerIsSkippedForTheNextOne() throws IOException, InterruptedException {
        try (TestDnsServer silent = TestDnsServer.start()) {
            silent.drop("example.org.").drop("mx1.example.org.");
            dns.add("example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.1");
            MxResolver twoServers = new MxResolver(List.of(silent.address(), dns.address()), Duration.ofMillis(300), 0);
            assertThat(hosts(twoServers.resolve("example.org"))).extracting(TargetHost::name).containsExactly("mx1.example.org");
            // Each query went to the silent server first, then to the one that answers.
            assertThat(silent.awaitQueries("example.org.", 1)).hasSize(1);
            assertThat(silent.awaitQueries("mx1.example.org.", 2)).extracting(TestDnsServer.Query::type).containsExactly(Type.A, Type.AAAA);
        }
    }

    @Test
    void aTruncatedAnswerIsRetriedOverTcp() {
        dns.add("example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.1");
        dns.truncate("example.org.");
        assertThat(hosts(resolver.resolve("example.org"))).extracting(TargetHost::name).containsExactly("mx1.example.org");
        assertThat(dns.queries("example.org.")).extracting(TestDnsServer.Query::tcp).containsExactly(false, true);
    }

    @Test
    void aTruncatedAnswerWhoseTcpRetryFailsIsTemporary() throws InterruptedException {
        MxResolver impatient = new MxResolver(List.of(dns.address()), Duration.ofMillis(300), 0);
        dns.add("example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.1");
        dns.truncate("example.org.").dropTcp("example.org.");
        assertThat(impatient.resolve("example.org")).isInstanceOf(Route.TemporaryFailure.class);
        assertThat(dns.awaitQueries("example.org.", 2)).extracting(TestDnsServer.Query::tcp).containsExactly(false, true);
    }

    @Test
    void cnameChainsAreFollowedForTheDomainAndForMxTargets() throws UnknownHostException {
        dns.add("example.org. CNAME alias.example.net.",
                "alias.example.net. CNAME mail.example.com.",
                "mail.example.com. MX 10 mx.example.com.",
                "mx.example.com. CNAME host.example.com.",
                "host.example.com. A 127.0.0.5");
        // The host keeps the name the MX record gives (a certificate is checked against it).
        assertThat(hosts(resolver.resolve("example.org")))
                .containsExactly(new TargetHost("mx.example.com", 10, List.of(ip("127.0.0.5")), false));
    }

    @Test
    void aCnameToADomainWithOnlyAddressesIsTheImplicitMxOfTheCanonicalName() throws UnknownHostException {
        dns.add("example.org. CNAME real.example.net.", "real.example.net. A 127.0.0.6");
        assertThat(hosts(resolver.resolve("example.org")))
                .containsExactly(new TargetHost("example.org", 0, List.of(ip("127.0.0.6")), true));
    }

    @Test
    void aCnameLoopIsTemporary() {
        dns.add("a.example.org. CNAME b.example.org.", "b.example.org. CNAME a.example.org.");
        Route.Failure f = failure(resolver.resolve("a.example.org"), Route.TemporaryFailure.class);
        assertThat(f.failureReply().lines().getFirst()).contains("CNAME loop");
    }

    @Test
    void anOverlongCnameChainIsCutOff() {
        for (int i = 0; i < DnsLookup.MAX_CNAME_HOPS + 1; i++) {
            dns.add("c" + i + ".example.org. CNAME c" + (i + 1) + ".example.org.");
        }
        dns.add("c" + (DnsLookup.MAX_CNAME_HOPS + 1) + ".example.org. MX 10 mx.example.org.", "mx.example.org. A 127.0.0.1");
        assertThat(resolver.resolve("c0.example.org")).isInstanceOf(Route.TemporaryFailure.class);
        assertThat(dns.queries()).hasSizeLessThanOrEqualTo(DnsLookup.MAX_CNAME_HOPS + 1);
        // One hop fewer is within the bound.
        assertThat(resolver.resolve("c1.example.org")).isInstanceOf(Route.Hosts.class);
    }

    @Test
    void mxHostsWithoutAddressesAreSkipped() throws UnknownHostException {
        dns.add("example.org. MX 10 gone.example.org.", "example.org. MX 20 bare.example.org.", "example.org. MX 30 ok.example.org.",
                "bare.example.org. TXT \"no address\"", "ok.example.org. A 127.0.0.1");
        assertThat(hosts(resolver.resolve("example.org")))
                .containsExactly(new TargetHost("ok.example.org", 30, List.of(ip("127.0.0.1")), false));
    }

    @Test
    void anMxHostWhoseLookupFailsIsSkippedForTheOthers() {
        dns.add("example.org. MX 10 mx1.example.org.", "example.org. MX 20 mx2.example.org.",
                "mx1.example.org. A 127.0.0.1", "mx2.example.org. A 127.0.0.2");
        dns.servfail("mx1.example.org.");
        assertThat(hosts(resolver.resolve("example.org"))).extracting(TargetHost::name).containsExactly("mx2.example.org");
    }

    @Test
    void noMxHostWithAnAddressIsTemporary() {
        dns.add("example.org. MX 10 gone.example.org.", "example.org. MX 20 broken.example.org.", "broken.example.org. A 127.0.0.1");
        dns.servfail("broken.example.org.");
        Route.Failure f = failure(resolver.resolve("example.org"), Route.TemporaryFailure.class);
        assertThat(f.failureReply().code()).isEqualTo(451);
        assertThat(f.failureReply().lines().getFirst()).contains("gone.example.org does not exist").contains("SERVFAIL");
    }

    @Test
    void mxTargetsThatAreIpAddressesAreSkipped() throws UnknownHostException {
        dns.add("example.org. MX 5 127.0.0.1.", "127.0.0.1. A 127.0.0.1", // resolvable, but not a host name
                "example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.2");
        assertThat(hosts(resolver.resolve("example.org")))
                .containsExactly(new TargetHost("mx1.example.org", 10, List.of(ip("127.0.0.2")), false));
    }

    @Test
    void onlyIpAddressTargetsIsPermanent() {
        dns.add("example.org. MX 10 192.0.2.1.");
        Route.Failure f = failure(resolver.resolve("example.org"), Route.NoSuchDomain.class);
        assertThat(f.failureReply().code()).isEqualTo(550);
    }

    @Test
    void addressLiteralDomainsSkipDns() throws UnknownHostException {
        assertThat(hosts(resolver.resolve("[127.0.0.1]")))
                .containsExactly(new TargetHost("[127.0.0.1]", 0, List.of(ip("127.0.0.1")), true));
        assertThat(hosts(resolver.resolve("[IPv6:::1]")).getFirst().addresses()).containsExactly(ip("::1"));
        assertThat(resolver.resolve("[300.0.0.1]")).isInstanceOf(Route.NoSuchDomain.class);
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void domainsAreMatchedWithoutRegardToCaseOrAFinalDot() {
        dns.add("example.org. MX 10 mx1.example.org.", "mx1.example.org. A 127.0.0.1");
        assertThat(hosts(resolver.resolve("Example.ORG."))).extracting(TargetHost::name).containsExactly("mx1.example.org");
    }

    @Test
    void anInternationalDomainIsLookedUpAsItsALabel() {
        dns.add("xn--bcher-kva.example. MX 10 mx.xn--bcher-kva.example.", "mx.xn--bcher-kva.example. A 127.0.0.1");
        assertThat(hosts(resolver.resolve("bücher.example"))).extracting(TargetHost::name).containsExactly("mx.xn--bcher-kva.example");
    }

    @Test
    void somethingThatIsNoDomainNameIsPermanentWithoutAQuery() {
        assertThat(resolver.resolve("exa mple.org")).isInstanceOf(Route.NoSuchDomain.class);
        assertThat(resolver.resolve("example..org")).isInstanceOf(Route.NoSuchDomain.class);
        assertThat(resolver.resolve("")).isInstanceOf(Route.NoSuchDomain.class);
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void addressesOfOneHost() throws Exception {
        dns.add("relay.example.org. A 127.0.0.1", "relay.example.org. AAAA ::1", "alias.example.org. CNAME relay.example.org.");
        assertThat(resolver.addresses("relay.example.org")).containsExactly(ip("127.0.0.1"), ip("::1"));
        assertThat(resolver.addresses("alias.example.org")).containsExactly(ip("127.0.0.1"), ip("::1"));
    }

    @Test
    void addressesOfAnIpAddressNeedNoDns() throws Exception {
        assertThat(resolver.addresses("127.0.0.1")).containsExactly(ip("127.0.0.1"));
        assertThat(resolver.addresses("::1")).containsExactly(ip("::1"));
        assertThat(resolver.addresses("[IPv6:::1]")).containsExactly(ip("::1"));
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void addressesFailWithTheRouteFailureTypes() {
        dns.add("noaddress.example.org. MX 10 mx.example.org.", "broken.example.org. A 127.0.0.1");
        dns.servfail("broken.example.org.");
        assertThatThrownBy(() -> resolver.addresses("nowhere.example.org"))
                .isInstanceOfSatisfying(UnroutableException.class, e -> assertThat(e.failure()).isInstanceOf(Route.NoSuchDomain.class));
        assertThatThrownBy(() -> resolver.addresses("noaddress.example.org"))
                .isInstanceOfSatisfying(UnroutableException.class, e -> assertThat(e.failure()).isInstanceOf(Route.NoSuchDomain.class));
        assertThatThrownBy(() -> resolver.addresses("broken.example.org"))
                .isInstanceOfSatisfying(UnroutableException.class, e -> {
                    assertThat(e.failure()).isInstanceOf(Route.TemporaryFailure.class);
                    assertThat(e.failure().failureReply().code()).isEqualTo(451);
                });
    }
}
