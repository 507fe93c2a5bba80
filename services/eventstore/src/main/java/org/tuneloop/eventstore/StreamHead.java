package org.tuneloop.eventstore;

/**
 * A stream's last version and that event's hash: what a writer that keeps the stream's state needs to append after
 * it without reading it first ({@link EventStore#appendAfter}). Version 0 is the empty stream (genesis hash).
 */
public record StreamHead(int version, byte[] hash) {
  public StreamHead {
    if (version < 0) throw new IllegalArgumentException("version is negative: " + version);
    hash = hash == null ? HashChain.genesis() : hash.clone();
  }

  public static final StreamHead EMPTY = new StreamHead(0, null);

  @Override
  public byte[] hash() { return hash.clone(); }
}
