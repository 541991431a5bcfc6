package dev.mailroom;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.slf4j.LoggerFactory;

/**
 * Binds SLF4J to Logback once, before any test runs. Test classes run in parallel, and while SLF4J initialises on
 * one thread the others get its stand-ins: a {@code SubstituteLogger} (which a test adding an appender cannot cast
 * to Logback's) and a temporary MDC that is swapped for Logback's when initialisation ends, losing the ids a
 * session had put into it. Both made log tests fail now and then. Registered in META-INF/services.
 */
public final class LogbackFirst implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LoggerFactory.getILoggerFactory();
    }
}
