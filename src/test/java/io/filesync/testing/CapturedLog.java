package io.filesync.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** The log lines of one logger (and its children) while a test runs: what an operator would read, as text. */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final String loggerName;

    private CapturedLog(String loggerName) {
        super("captured-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
        this.loggerName = loggerName;
    }

    /** Starts capturing the lines of {@code loggerName} at every level it logs. */
    public static CapturedLog of(String loggerName) {
        CapturedLog log = new CapturedLog(loggerName);
        log.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        LoggerConfig existing = configuration.getLoggerConfig(loggerName);
        if (!existing.getName().equals(loggerName)) {
            LoggerConfig own = new LoggerConfig(loggerName, existing.getLevel(), true);
            configuration.addLogger(loggerName, own);
        }
        configuration.getLoggerConfig(loggerName).addAppender(log, null, null);
        context.updateLoggers();
        return log;
    }

    @Override
    public void append(LogEvent event) {
        lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig(loggerName).removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
