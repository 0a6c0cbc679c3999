package org.reidspark.jobs.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.io.StringWriter;

/**
 * Everything this JVM logs through log4j2 while it is open (each logger at its configured level), as text: attached
 * to the root logger and to every configured logger, removed on close.
 */
public final class LogCapture implements AutoCloseable {
    private final StringWriter text = new StringWriter();
    private final WriterAppender appender;
    private final LoggerContext context;

    public LogCapture() {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        appender = WriterAppender.newBuilder().setName("capture-" + System.nanoTime()).setTarget(text)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%throwable").withConfiguration(config).build())
                .setConfiguration(config).build();
        appender.start();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        for (LoggerConfig l : config.getLoggers().values()) {
            if (l != config.getRootLogger() && l.isAdditive()) continue;
            l.addAppender(appender, Level.ALL, null);
        }
        context.updateLoggers();
    }

    /** What was logged so far. */
    public synchronized String text() {
        return text.toString();
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender(appender.getName());
        for (LoggerConfig l : config.getLoggers().values()) l.removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }
}
