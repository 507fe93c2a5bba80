package org.tuneloop.eventstore;

/** Another writer appended to the stream first; the caller reloads and decides again. */
public final class VersionConflict extends RuntimeException {
  private final String streamId;
  private final ExpectedVersion expected;

  public VersionConflict(String streamId, ExpectedVersion expected) {
    super("stream " + streamId + " is no longer at " + expected);
    this.streamId = streamId;
    this.expected = expected;
  }

  public String streamId() { return streamId; }

  public ExpectedVersion expected() { return expected; }
}
