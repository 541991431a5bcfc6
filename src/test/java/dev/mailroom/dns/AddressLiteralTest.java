package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** RFC 5321 section 4.1.3 address literals, parsed without DNS. */
class AddressLiteralTest {
    private static InetAddress ip(String text) throws UnknownHostException {
        return InetAddress.getByName(text); // a literal: no lookup happens
    }

    @Test
    void ipv4Literal() throws UnknownHostException {
        assertThat(MxResolver.addressLiteral("[192.0.2.1]")).contains(ip("192.0.2.1"));
        assertThat(MxResolver.addressLiteral("[0.0.0.0]")).contains(ip("0.0.0.0"));
    }

    @Test
    void snumIsDecimalWithAtMostThreeDigits() throws UnknownHostException {
        assertThat(MxResolver.addressLiteral("[010.0.0.1]")).contains(ip("10.0.0.1")); // not octal
        assertThat(MxResolver.addressLiteral("[256.0.0.1]")).isEmpty();
        assertThat(MxResolver.addressLiteral("[1000.0.0.1]")).isEmpty();
        assertThat(MxResolver.addressLiteral("[192.0.2]")).isEmpty();
        assertThat(MxResolver.addressLiteral("[192.0.2.1.5]")).isEmpty();
    }

    @Test
    void ipv6LiteralWithItsTagInAnyCase() throws UnknownHostException {
        assertThat(MxResolver.addressLiteral("[IPv6:2001:db8::1]")).contains(ip("2001:db8::1"));
        assertThat(MxResolver.addressLiteral("[ipv6:::1]")).contains(ip("::1"));
        assertThat(MxResolver.addressLiteral("[IPV6:2001:db8:0:0:0:0:0:1]")).contains(ip("2001:db8::1"));
        assertThat(MxResolver.addressLiteral("[IPv6:::ffff:192.0.2.1]")).isPresent();
    }

    @Test
    void malformedOrUntaggedLiteralsAreRefused() {
        assertThat(MxResolver.addressLiteral("[2001:db8::1]")).isEmpty();          // IPv6 needs its tag
        assertThat(MxResolver.addressLiteral("[IPv6:192.0.2.1]")).isEmpty();
        assertThat(MxResolver.addressLiteral("[IPv6:2001:db8::1%eth0]")).isEmpty(); // no zone IDs
        assertThat(MxResolver.addressLiteral("[IPv6:2001:db8:::1]")).isEmpty();
        assertThat(MxResolver.addressLiteral("[x-tag:whatever]")).isEmpty();        // General-address-literal
        assertThat(MxResolver.addressLiteral("[]")).isEmpty();
        assertThat(MxResolver.addressLiteral("192.0.2.1")).isEmpty();              // no brackets: a domain
        assertThat(MxResolver.addressLiteral("example.org")).isEmpty();
    }

    @Test
    void bareAddressesForStaticRoutes() throws UnknownHostException {
        assertThat(AddressLiterals.parseBare("127.0.0.1")).contains(ip("127.0.0.1"));
        assertThat(AddressLiterals.parseBare("::1")).contains(ip("::1"));
        assertThat(AddressLiterals.parseBare("mail.example.org")).isEmpty();
        assertThat(AddressLiterals.parseBare("1.2.3.example")).isEmpty();
    }
}
