package io.filesync.tail;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a line into the named values an {@link InsertTemplate} binds: either fields split on a delimiter
 * ({@code field1}, {@code field2}, ...) or the named groups of a regular expression; plus metadata available to
 * every template: {@code file}, {@code line_number}, {@code byte_offset}, {@code read_at} and {@code line}.
 */
public final class LineFields {

    /** Metadata parameter names, available whatever the mode. */
    public static final Set<String> METADATA = Set.of("file", "line_number", "byte_offset", "read_at", "line");

    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

    private final String delimiter;
    private final Pattern delimiterPattern;
    private final Pattern pattern;
    private final boolean emptyAsNull;

    /**
     * @param delimiter   splits the line into field1..fieldN; used when pattern is null or blank
     * @param pattern     a regular expression with named groups, matched against the whole line; optional
     * @param emptyAsNull whether an empty field is bound as NULL (so numeric columns accept it)
     */
    public LineFields(String delimiter, String pattern, boolean emptyAsNull) {
        this.pattern = pattern == null || pattern.isBlank() ? null : Pattern.compile(pattern);
        if (this.pattern == null && (delimiter == null || delimiter.isEmpty())) {
            throw new IllegalArgumentException("Tail needs a delimiter or a pattern to split lines into fields");
        }
        this.delimiter = delimiter;
        this.delimiterPattern = delimiter == null || delimiter.isEmpty() ? null : Pattern.compile(Pattern.quote(delimiter));
        this.emptyAsNull = emptyAsNull;
    }

    /**
     * Checks at start that every parameter of the template can ever be given a value, so a typo in the template
     * fails the route at once instead of turning every line into an error record.
     */
    public void checkCovers(InsertTemplate template) {
        for (String name : template.parameters()) {
            boolean known = METADATA.contains(name)
                    || (pattern == null ? name.matches("field[1-9][0-9]*") : groupNames().contains(name));
            if (!known) {
                throw new IllegalArgumentException("Tail template parameter :#" + name + " is neither "
                        + (pattern == null ? "field1..fieldN" : "a named group of the pattern " + groupNames())
                        + " nor one of " + METADATA);
            }
        }
    }

    /**
     * The values of one line.
     *
     * @throws IllegalArgumentException when the line does not fit: the pattern does not match, or a field the
     *                                  template needs is missing; the message says which
     */
    public Map<String, Object> valuesOf(TailLine line, InsertTemplate template, Instant readAt) {
        return valuesOf(line, template, readAt.toString());
    }

    /** As {@link #valuesOf(TailLine, InsertTemplate, Instant)}, with the read time formatted once per batch. */
    public Map<String, Object> valuesOf(TailLine line, InsertTemplate template, String readAt) {
        Map<String, Object> values = new HashMap<>();
        values.put("file", line.path());
        values.put("line_number", line.lineNumber());
        values.put("byte_offset", line.offset());
        values.put("read_at", readAt);
        values.put("line", line.text());
        if (pattern != null) {
            Matcher matcher = pattern.matcher(line.text());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("line does not match the pattern " + pattern.pattern());
            }
            for (String group : groupNames()) {
                values.put(group, normalise(matcher.group(group)));
            }
        } else {
            String[] fields = delimiterPattern.split(line.text(), -1);
            for (int i = 0; i < fields.length; i++) {
                values.put("field" + (i + 1), normalise(fields[i]));
            }
            for (String name : template.parameters()) {
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("line has " + fields.length + " fields, the template needs " + name);
                }
            }
        }
        return values;
    }

    private Object normalise(String value) {
        return emptyAsNull && (value == null || value.isEmpty()) ? null : value;
    }

    private List<String> groupNames() {
        return GROUP_NAME.matcher(pattern.pattern()).results().map(match -> match.group(1)).toList();
    }
}
