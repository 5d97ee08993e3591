package io.filesync.core.error;

import java.time.Instant;

/**
 * One failure as stored in the error table: when, in which flow, on what input, where in it, and why.
 *
 * @param occurredAt when the failure was detected
 * @param job        the flow that failed: its route group, e.g. {@code csv}, or route id, e.g. {@code tail-to-rows}
 * @param source     the file, path or endpoint the input came from; may be null
 * @param line       1-based line number in the source; may be null
 * @param offset     byte offset in the source; may be null
 * @param content    the offending input, truncated to {@link ErrorRecorder#MAX_CONTENT_CHARS}; may be null
 * @param reason     what went wrong, readable by a user
 * @param errorType  the exception class, for whoever debugs
 * @param retried    true when the failure is expected to pass: the input is kept and tried again later
 */
public record ErrorRecord(Instant occurredAt, String job, String source, Long line, Long offset, String content,
                          String reason, String errorType, boolean retried) {
}
