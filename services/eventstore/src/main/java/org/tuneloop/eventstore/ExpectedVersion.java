package org.tuneloop.eventstore;

/** What the writer believes the stream's last version is; versions start at 1. */
public sealed interface ExpectedVersion {
  /** The stream must not exist yet. */
  record NoStream() implements ExpectedVersion {}

  /** The stream's last version must be exactly this. */
  record Exact(int version) implements ExpectedVersion {}

  /** No check (rarely right). */
  record Any() implements ExpectedVersion {}

  static ExpectedVersion noStream() { return new NoStream(); }
  static ExpectedVersion exact(int version) { return version == 0 ? new NoStream() : new Exact(version); }
  static ExpectedVersion any() { return new Any(); }
}
