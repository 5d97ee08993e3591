package io.filesync.core.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SqlDialectTest {

    private final SqlDialect postgres = SqlDialect.of(SqlDialect.Kind.POSTGRESQL);

    @Test
    void quotingDoublesEmbeddedQuotesSoAnyNameStaysAName() {
        assertThat(postgres.quote("orders")).isEqualTo("\"orders\"");
        assertThat(postgres.quote("a\"; DROP TABLE x; --")).isEqualTo("\"a\"\"; DROP TABLE x; --\"");
    }

    @Test
    void emptyAndNulIdentifiersAreRefused() {
        assertThatThrownBy(() -> postgres.quote("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> postgres.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fittingCountsBytesAndNeverSplitsACharacter() {
        String name = "é".repeat(40);
        String fitted = postgres.fit(name);
        assertThat(fitted.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
        assertThat(fitted).isEqualTo("é".repeat(31));
        assertThat(postgres.fit("short")).isEqualTo("short");
    }
}
