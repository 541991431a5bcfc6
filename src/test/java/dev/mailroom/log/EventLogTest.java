package dev.mailroom.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class EventLogTest {

    @AfterEach
    void clearContext() {
        EventLog.leaveSession();
    }

    @Test
    void withoutContextTheLineIsTheEventAndItsKeysInOrder() {
        assertThat(EventLog.format("rcpt", "code", 550, "reason", "no such user", "skipped", null))
                .isEqualTo("event=rcpt code=550 reason=\"no such user\"");
    }

    @Test
    void theSessionAndQueueOfTheThreadFollowTheEventOnce() {
        EventLog.enterSession("mk3-1a");
        assertThat(EventLog.format("connect", "client", "127.0.0.1"))
                .isEqualTo("event=connect session=mk3-1a client=127.0.0.1");
        EventLog.queue("Q1");
        assertThat(EventLog.format("accepted", "size", 12)).isEqualTo("event=accepted session=mk3-1a queue=Q1 size=12");
        EventLog.endQueue();
        assertThat(EventLog.format("close")).isEqualTo("event=close session=mk3-1a");
        EventLog.leaveSession();
        assertThat(EventLog.format("close")).isEqualTo("event=close");
        assertThat(MDC.get("session")).isNull();
    }

    @Test
    void aKeyPassedExplicitlyTakesTheContextsPlaceAndIsNotRepeated() {
        EventLog.enterSession("s1");
        EventLog.queue("ORIGINAL");
        // a notice about a message: the explicit queue (here the same) is printed once, where the context goes
        assertThat(EventLog.format("dsn", "queue", "ORIGINAL", "kind", "failure", "new", "DSN1"))
                .isEqualTo("event=dsn session=s1 queue=ORIGINAL kind=failure new=DSN1");
        // another thread's view wins over the context when it names its own (the idle watchdog, an operator)
        assertThat(EventLog.format("timeout", "session", "other", "queue", "Q2"))
                .isEqualTo("event=timeout session=other queue=Q2");
        // an explicit null does not hide the context
        assertThat(EventLog.format("held", "queue", null)).isEqualTo("event=held session=s1 queue=ORIGINAL");
    }

    @Test
    void contextValuesAreQuotedLikeAnyOtherValue() {
        EventLog.enterSession("a b");
        EventLog.queue("x\"y\r\nz");
        assertThat(EventLog.format("e", "k", "v=1"))
                .isEqualTo("event=e session=\"a b\" queue=\"x\\\"y\\r\\nz\" k=\"v=1\"");
    }
}
