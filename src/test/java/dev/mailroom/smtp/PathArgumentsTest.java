package dev.mailroom.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnNotify;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MAIL FROM / RCPT TO arguments and ESMTP parameters (RFC 5321 4.1.2, 1870, 6152, 3030, 3461, 4954 5, 6531). */
class PathArgumentsTest {

    private static final PathArguments.Offered ALL = new PathArguments.Offered(true, true, true, true, 70_000);
    private static final PathArguments.Offered NONE = new PathArguments.Offered(false, false, false, false, 70_000);

    private static MailParameters mail(String arg) throws SmtpException {
        return PathArguments.parseMail(arg, ALL).parameters();
    }

    private static void assertMailRejected(String arg, PathArguments.Offered offered, int code, String enhanced) {
        assertThatThrownBy(() -> PathArguments.parseMail(arg, offered))
                .isInstanceOf(SmtpException.class)
                .satisfies(e -> {
                    SmtpReply r = ((SmtpException) e).reply();
                    assertThat(r.code()).as("code for MAIL%s", arg).isEqualTo(code);
                    assertThat(r.enhanced()).as("enhanced code for MAIL%s", arg).isEqualTo(enhanced);
                });
    }

    private static void assertRcptRejected(String arg, PathArguments.Offered offered, boolean utf8, int code, String enhanced) {
        assertThatThrownBy(() -> PathArguments.parseRcpt(arg, offered, utf8))
                .isInstanceOf(SmtpException.class)
                .satisfies(e -> {
                    SmtpReply r = ((SmtpException) e).reply();
                    assertThat(r.code()).as("code for RCPT%s", arg).isEqualTo(code);
                    assertThat(r.enhanced()).as("enhanced code for RCPT%s", arg).isEqualTo(enhanced);
                });
    }

    @Test
    void MSA_04_nullReversePathAndPlainPathsParse() throws SmtpException {
        assertThat(PathArguments.parseMail(" FROM:<>", ALL).reversePath()).isNull();
        assertThat(PathArguments.parseMail(" FROM:<Ab@X.Example>", ALL).reversePath().address()).isEqualTo("Ab@X.Example");
        assertThat(PathArguments.parseMail(" from:<a@x.example>", ALL).parameters()).isEqualTo(MailParameters.NONE);
        assertThat(PathArguments.parseRcpt(" TO:<b@y.example>", ALL, false).mailbox().address()).isEqualTo("b@y.example");
    }

    @ParameterizedTest
    @ValueSource(strings = {" FROM:<a@@b.example>", " FROM:<a@x_y.example>", " FROM:<a b@x.example>", " FROM:<a@x.example"})
    void MSA_12_badSenderSyntaxIs501_5_1_7(String arg) {
        assertMailRejected(arg, ALL, 501, "5.1.7");
    }

    @ParameterizedTest
    @ValueSource(strings = {" TO:<a@@b.example>", " TO:<a@x_y.example>", " TO:<>", " TO:<a@x.example"})
    void SMTP_11_badRecipientSyntaxIs501_5_1_3(String arg) {
        assertRcptRejected(arg, ALL, false, 501, "5.1.3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " FROM", " TO:<a@x.example>", " FROM:a@x.example"})
    void SMTP_11_missingFromKeywordOrPathIs501(String arg) {
        assertMailRejected(arg, ALL, 501, "5.5.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {" FROM:<a@x.example> FOO=1", " FROM:<a@x.example> XFOO", " FROM:<a@x.example> NOTIFY=NEVER"})
    void SMTP_22_unknownMailParameterIs555(String arg) {
        assertMailRejected(arg, ALL, 555, "5.5.4");
    }

    @Test
    void RTLS_01_requireTlsIsKeptWhereOfferedAndTakesNoValue() throws SmtpException {
        assertThat(mail(" FROM:<a@x.example> REQUIRETLS").requireTls()).isTrue();
        assertThat(mail(" FROM:<a@x.example>").requireTls()).isFalse();
        assertMailRejected(" FROM:<a@x.example> REQUIRETLS=YES", ALL, 501, "5.5.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {" FROM:<a@x.example> RET=FULL", " FROM:<a@x.example> ENVID=x", " FROM:<a@x.example> SMTPUTF8",
            " FROM:<a@x.example> REQUIRETLS"})
    void SMTP_22_unadvertisedMailParameterIs555(String arg) {
        assertMailRejected(arg, NONE, 555, "5.5.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {" TO:<a@x.example> NOTIFY=NEVER", " TO:<a@x.example> ORCPT=rfc822;a@x.example"})
    void SMTP_22_unadvertisedRcptParameterIs555(String arg) {
        assertRcptRejected(arg, NONE, false, 555, "5.5.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {" TO:<a@x.example> FOO=1", " TO:<a@x.example> SIZE=10", " TO:<a@x.example> RET=FULL"})
    void SMTP_22_unknownRcptParameterIs555(String arg) {
        assertRcptRejected(arg, ALL, false, 555, "5.5.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {" FROM:<a@x.example> =1", " FROM:<a@x.example> SIZE=", " FROM:<a@x.example>SIZE=1",
            " FROM:<a@x.example> SI_ZE=1", " FROM:<a@x.example> ENVID=a=b"})
    void malformedParameterIs501_5_5_4(String arg) {
        assertMailRejected(arg, ALL, 501, "5.5.4");
    }

    @Test
    void SIZE_04_sizeValueIsOneToTwentyDigitsGivenOnce() throws SmtpException {
        assertThat(mail(" FROM:<a@x.example> SIZE=0").declaredSize()).isZero();
        assertThat(mail(" FROM:<a@x.example> SIZE=70000").declaredSize()).isEqualTo(70_000);
        assertThat(mail(" FROM:<a@x.example> size=12").declaredSize()).isEqualTo(12);
        for (String bad : new String[] {"SIZE=abc", "SIZE=-1", "SIZE=1e3", "SIZE=" + "1".repeat(21), "SIZE",
                "SIZE=1 SIZE=2", "SIZE=1 size=1"}) {
            assertMailRejected(" FROM:<a@x.example> " + bad, ALL, 501, "5.5.4");
        }
    }

    @Test
    void SIZE_02_declaredSizeOverTheLimitIs552_5_3_4() throws SmtpException {
        assertMailRejected(" FROM:<a@x.example> SIZE=70001", ALL, 552, "5.3.4");
        assertMailRejected(" FROM:<a@x.example> SIZE=999999999999", ALL, 552, "5.3.4");
        assertMailRejected(" FROM:<a@x.example> SIZE=" + "9".repeat(20), ALL, 552, "5.3.4"); // beyond a long
        // a limit of 0 means none (RFC 1870 section 4)
        assertThat(PathArguments.parseMail(" FROM:<a@x.example> SIZE=999999999999",
                new PathArguments.Offered(true, true, true, true, 0)).parameters().declaredSize()).isEqualTo(999_999_999_999L);
    }

    @Test
    void BIT8_01_bodyIs7bitOr8bitmimeOnce() throws SmtpException {
        assertThat(mail(" FROM:<a@x.example> BODY=7BIT").body()).isEqualTo(BodyType.SEVEN_BIT);
        assertThat(mail(" FROM:<a@x.example> body=8bitmime").body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
        assertThat(mail(" FROM:<a@x.example> BODY=BINARYMIME").body()).isEqualTo(BodyType.BINARY_MIME);
        assertMailRejected(" FROM:<a@x.example> BODY=FOO", ALL, 501, "5.5.4");
        assertMailRejected(" FROM:<a@x.example> BODY", ALL, 501, "5.5.4");
        assertMailRejected(" FROM:<a@x.example> BODY=7BIT BODY=8BITMIME", ALL, 501, "5.5.4");
        // CHUNK-05: BINARYMIME only where CHUNKING is offered
        assertMailRejected(" FROM:<a@x.example> BODY=BINARYMIME", new PathArguments.Offered(true, true, false, true, 0), 501, "5.5.4");
    }

    @Test
    void UTF8_02_smtputf8TakesNoValue() throws SmtpException {
        assertThat(mail(" FROM:<a@x.example> SMTPUTF8").smtputf8()).isTrue();
        assertThat(mail(" FROM:<a@x.example> smtputf8").smtputf8()).isTrue();
        assertMailRejected(" FROM:<a@x.example> SMTPUTF8=yes", ALL, 501, "5.5.4");
        assertMailRejected(" FROM:<a@x.example> SMTPUTF8 SMTPUTF8", ALL, 501, "5.5.4");
    }

    @Test
    void UTF8_04_nonAsciiAddressNeedsSmtputf8() throws SmtpException {
        assertThat(PathArguments.parseMail(" FROM:<üser@exämple.example> SMTPUTF8", ALL).reversePath().address())
                .isEqualTo("üser@exämple.example");
        assertMailRejected(" FROM:<üser@x.example>", ALL, 550, "5.6.7");
        assertMailRejected(" FROM:<user@exämple.example>", ALL, 550, "5.6.7");
        assertThat(PathArguments.parseRcpt(" TO:<用户@例子.测试>", ALL, true).mailbox().address()).isEqualTo("用户@例子.测试");
        assertRcptRejected(" TO:<用户@例子.测试>", ALL, false, 553, "5.6.7");
    }

    @Test
    void AUTH_18_authParameterIsXtextOrNull() throws SmtpException {
        assertThat(mail(" FROM:<a@x.example> AUTH=e+3Dmc2@x").auth()).isEqualTo("e+3Dmc2@x");
        assertThat(mail(" FROM:<a@x.example> AUTH=<>").auth()).isEqualTo("<>");
        // accepted from anybody, even on a listener without DSN or SMTPUTF8
        assertThat(PathArguments.parseMail(" FROM:<a@x.example> AUTH=<>", NONE).parameters().auth()).isEqualTo("<>");
        for (String bad : new String[] {"AUTH=+ZZ", "AUTH=+3d", "AUTH=a+", "AUTH", "AUTH=<> AUTH=<>"}) {
            assertMailRejected(" FROM:<a@x.example> " + bad, ALL, 501, "5.5.4");
        }
    }

    @Test
    void DSN_01_allValidMailFormsParseAndKeepTheirCase() throws SmtpException {
        MailParameters p = mail(" FROM:<a@x.example> RET=HDRS ENVID=QQ314159+2Babc");
        assertThat(p.ret()).isEqualTo(DsnRet.HDRS);
        assertThat(p.envid()).isEqualTo("QQ314159+2Babc");
        assertThat(mail(" FROM:<a@x.example> ret=full").ret()).isEqualTo(DsnRet.FULL);
        String envid = "e".repeat(100);
        assertThat(mail(" FROM:<a@x.example> ENVID=" + envid).envid()).isEqualTo(envid); // DSN-03
    }

    @Test
    void DSN_01_allValidRcptFormsParse() throws SmtpException {
        Recipient r = PathArguments.parseRcpt(" TO:<b@y.example> NOTIFY=success,Failure,DELAY ORCPT=rfc822;B+2Bx@Y.example", ALL, false);
        assertThat(r.notifyOn()).containsExactlyInAnyOrder(DsnNotify.SUCCESS, DsnNotify.FAILURE, DsnNotify.DELAY);
        assertThat(r.orcpt()).isEqualTo("rfc822;B+2Bx@Y.example");
        assertThat(PathArguments.parseRcpt(" TO:<b@y.example> NOTIFY=NEVER", ALL, false).notifyOn()).containsExactly(DsnNotify.NEVER);
        // DSN-03: an ORCPT of 500 characters is accepted
        String orcpt = "rfc822;" + "o".repeat(493 - "@y.example".length()) + "@y.example";
        assertThat(orcpt).hasSize(500);
        assertThat(PathArguments.parseRcpt(" TO:<b@y.example> ORCPT=" + orcpt, ALL, false).orcpt()).isEqualTo(orcpt);
        assertRcptRejected(" TO:<b@y.example> ORCPT=" + orcpt + "o", ALL, false, 501, "5.5.4");
    }

    @Test
    void DSN_02_badOrDuplicateDsnParametersAre501() {
        for (String bad : new String[] {"RET=HDRS RET=FULL", "RET=BOTH", "RET", "ENVID=" + "e".repeat(101), "ENVID=a+zz",
                "ENVID=x ENVID=y"}) {
            assertMailRejected(" FROM:<a@x.example> " + bad, ALL, 501, "5.5.4");
        }
        for (String bad : new String[] {"NOTIFY=FAILURE,NEVER", "NOTIFY=NEVER,NEVER", "NOTIFY=SUCCESS,SUCCESS", "NOTIFY=SOMETIMES",
                "NOTIFY", "NOTIFY=SUCCESS,", "NOTIFY=NEVER NOTIFY=NEVER", "ORCPT=rfc822", "ORCPT=;a@b", "ORCPT=rfc822;a+zz",
                "ORCPT=rfc822;a@b ORCPT=rfc822;a@b", "ORCPT"}) {
            assertRcptRejected(" TO:<b@y.example> " + bad, ALL, false, 501, "5.5.4");
        }
    }
}
