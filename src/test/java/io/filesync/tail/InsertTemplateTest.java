package io.filesync.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

class InsertTemplateTest {

    @Test
    void namedParametersBecomePositionalInOrder() {
        InsertTemplate template = new InsertTemplate("INSERT INTO r (id, v, note) VALUES (:#field1, :#field2, ':#notaparam')");
        assertThat(template.jdbcSql()).isEqualTo("INSERT INTO r (id, v, note) VALUES (?, ?, ':#notaparam')");
        assertThat(template.parameters()).containsExactly("field1", "field2");
    }

    @Test
    void aTemplateWithoutParametersIsRefused() {
        assertThatThrownBy(() -> new InsertTemplate("INSERT INTO r VALUES (1)")).hasMessageContaining("no :#name parameter");
    }

    @Test
    void delimiterFieldsAndMetadataAreBound() {
        InsertTemplate template = new InsertTemplate("INSERT INTO r VALUES (:#field1, :#field2, :#file, :#line_number)");
        LineFields fields = new LineFields(";", null, true);
        fields.checkCovers(template);
        Map<String, Object> values = fields.valuesOf(new TailLine("a.log", 3, 40, "7;", null), template, Instant.EPOCH);
        assertThat(values).containsEntry("field1", "7").containsEntry("field2", null)
                .containsEntry("file", "a.log").containsEntry("line_number", 3L);
    }

    @Test
    void aLineWithTooFewFieldsDoesNotFit() {
        InsertTemplate template = new InsertTemplate("INSERT INTO r VALUES (:#field1, :#field3)");
        LineFields fields = new LineFields(",", null, true);
        assertThatThrownBy(() -> fields.valuesOf(new TailLine("a", 1, 0, "x,y", null), template, Instant.EPOCH))
                .hasMessage("line has 2 fields, the template needs field3");
    }

    @Test
    void regexGroupsAreFieldsAndATemplateTypoFailsAtStart() {
        LineFields fields = new LineFields(null, "(?<level>[A-Z]+) (?<message>.*)", true);
        InsertTemplate good = new InsertTemplate("INSERT INTO log VALUES (:#level, :#message)");
        fields.checkCovers(good);
        assertThat(fields.valuesOf(new TailLine("a", 1, 0, "WARN disk low", null), good, Instant.EPOCH))
                .containsEntry("level", "WARN").containsEntry("message", "disk low");
        assertThatThrownBy(() -> fields.valuesOf(new TailLine("a", 1, 0, "lowercase", null), good, Instant.EPOCH))
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> fields.checkCovers(new InsertTemplate("INSERT INTO log VALUES (:#levle)")))
                .hasMessageContaining(":#levle");
    }
}
