package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logging configuration users run with ({@code config/log4j2.properties}): file names, request fields and error
 * reasons come from outside, so a line break inside a message must not start a forged log line.
 */
class ShippedLoggingConfigTest {

    @TempDir
    Path logs;

    @Test
    void aLineBreakInsideAMessageCannotForgeALogLine() throws Exception {
        System.setProperty("filesync.log.dir", logs.toString());
        LoggerContext context = Configurator.initialize("shipped-config-probe", null,
                Path.of("config/log4j2.properties").toUri());
        try {
            context.getLogger("io.filesync.probe").warn("Sync request refused: bad name {}",
                    "evil\n2026-12-07 12:00:00.000 INFO  [main] forged : all good\r");
        } finally {
            Configurator.shutdown(context);
            System.clearProperty("filesync.log.dir");
        }
        List<String> lines = Files.readAllLines(logs.resolve("filesync.log"), StandardCharsets.UTF_8);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("bad name evil\\n2026-12-07").endsWith("all good\\r");
    }
}
