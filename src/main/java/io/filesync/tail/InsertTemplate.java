package io.filesync.tail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user's SQL statement with named parameters in Camel's {@code :#name} form, e.g.
 * {@code INSERT INTO readings (id, value) VALUES (:#field1, :#field2)}, turned into a JDBC statement with
 * positional parameters. Values are always bound, never spliced into the SQL, so a line cannot inject SQL.
 */
public final class InsertTemplate {

    private static final Pattern PARAMETER = Pattern.compile(":#([A-Za-z_][A-Za-z0-9_]*)");

    private final String template;
    private final String jdbcSql;
    private final List<String> parameters;

    public InsertTemplate(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("The tail INSERT template is empty");
        }
        List<String> names = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        Matcher matcher = PARAMETER.matcher(template);
        int last = 0;
        while (matcher.find()) {
            if (insideQuotes(template, matcher.start())) {
                continue;
            }
            sql.append(template, last, matcher.start()).append('?');
            names.add(matcher.group(1));
            last = matcher.end();
        }
        sql.append(template.substring(last));
        if (names.isEmpty()) {
            throw new IllegalArgumentException("The tail INSERT template has no :#name parameter: " + template);
        }
        this.template = template;
        this.jdbcSql = sql.toString();
        this.parameters = Collections.unmodifiableList(names);
    }

    /** The statement with {@code ?} in place of each parameter. */
    public String jdbcSql() {
        return jdbcSql;
    }

    /** Parameter names in binding order; a name used twice appears twice. */
    public List<String> parameters() {
        return parameters;
    }

    @Override
    public String toString() {
        return template;
    }

    /** True when the position is inside a '...' literal, where :#x is text, not a parameter. */
    private static boolean insideQuotes(String sql, int position) {
        boolean inside = false;
        for (int i = 0; i < position; i++) {
            if (sql.charAt(i) == '\'') {
                inside = !inside;
            }
        }
        return inside;
    }
}
