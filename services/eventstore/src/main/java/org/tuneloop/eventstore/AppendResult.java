package org.tuneloop.eventstore;

/**
 * The outcome of an append.
 *
 * @param lastVersion  the stream's version after the append
 * @param lastPosition global position of the last event written (or found, for a duplicate)
 * @param duplicate    true when these event ids were stored before: nothing was written
 */
public record AppendResult(String streamId, int lastVersion, long lastPosition, boolean duplicate) {}
