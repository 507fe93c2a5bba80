package org.tuneloop.eventstore;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checkpoints of every stream's head (docs/audit.md). Each checkpoint row holds the heads that moved since the one
 * before; folding them in order gives every head a checkpoint vouches for. The Merkle root of those heads and the
 * hash of the previous checkpoint go into each checkpoint's hash, so the rows form one chain, and the latest
 * checkpoint's hash (or a copy of it kept elsewhere) vouches for the whole log up to its cursor.
 */
public final class Checkpoints {
  /** The format name of an exported checkpoint file. */
  public static final String FILE_FORMAT = "tuneloop-checkpoint/1";

  // Heads that moved after the cursor, from finished transactions only (as EventStore.readAll), and the new cursor;
  // one statement, so both come from one snapshot.
  private static final String MOVED =
      "with fresh as (select stream_id, version, hash, tx_id, position from events"
          + " where (tx_id, position) > ($1::text::xid8, $2) and tx_id < pg_snapshot_xmin(pg_current_snapshot())),"
          + " heads as (select distinct on (stream_id) stream_id, version, hash from fresh"
          + " order by stream_id, version desc),"
          + " last as (select tx_id::text as tx_id, position from fresh order by tx_id desc, position desc limit 1)"
          + " select h.stream_id, h.version, h.hash, l.tx_id, l.position from heads h cross join last l";
  private static final String COLUMNS = "id, created_at, created_by, cursor_tx_id, cursor_position, streams, events,"
      + " heads, root, prev_hash, hash";
  private static final String INSERT = "insert into checkpoints (" + COLUMNS + ")"
      + " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

  private final Pool pool;
  // The heads as of the latest checkpoint this process knows; refolded from the table when another wrote one.
  private volatile Folded known = new Folded(0, new TreeMap<>());

  public Checkpoints(Pool pool) { this.pool = Objects.requireNonNull(pool, "pool"); }

  /** A stream's head: its last version and that event's hash. */
  public record Head(String streamId, int version, byte[] hash) {
    JsonObject toJson() {
      return new JsonObject().put("stream", streamId).put("version", version).put("hash", HashChain.hex(hash));
    }

    static Head fromJson(JsonObject json) {
      return new Head(json.getString("stream"), json.getInteger("version"),
          HexFormat.of().parseHex(json.getString("hash")));
    }

    @Override public boolean equals(Object o) {
      return o instanceof Head h && streamId.equals(h.streamId) && version == h.version && Arrays.equals(hash, h.hash);
    }

    @Override public int hashCode() { return Objects.hash(streamId, version, Arrays.hashCode(hash)); }
  }

  /**
   * One checkpoint row.
   *
   * @param moved the heads that moved since the previous checkpoint
   * @param root  the Merkle root of every head after this checkpoint ({@link #root})
   */
  public record Checkpoint(long id, Instant createdAt, String createdBy, Cursor cursor, int streams, long events,
                           List<Head> moved, byte[] root, byte[] prevHash, byte[] hash) {
    public Checkpoint {
      moved = List.copyOf(moved);
    }

    /** The hash this checkpoint's content gives after the previous hash. */
    public byte[] recomputedHash() {
      return hashOf(prevHash, id, createdAt, createdBy, cursor, streams, events, root);
    }

    static Checkpoint fromRow(Row row) {
      List<Head> moved = new ArrayList<>();
      JsonArray heads = row.getJsonArray("heads");
      for (int i = 0; i < heads.size(); i++) moved.add(Head.fromJson(heads.getJsonObject(i)));
      return new Checkpoint(row.getLong("id"), row.getOffsetDateTime("created_at").toInstant(),
          row.getString("created_by"), new Cursor(row.getLong("cursor_tx_id"), row.getLong("cursor_position")),
          row.getInteger("streams"), row.getLong("events"), moved, row.getBuffer("root").getBytes(),
          row.getBuffer("prev_hash").getBytes(), row.getBuffer("hash").getBytes());
    }
  }

  /** A checkpoint with every head it vouches for: what `study audit checkpoint --out` writes. */
  public record Snapshot(Checkpoint checkpoint, SortedMap<String, Head> heads) {
    public JsonObject toJson() {
      Checkpoint c = checkpoint;
      return new JsonObject().put("format", FILE_FORMAT).put("id", c.id())
          .put("createdAt", HashChain.recordedAtText(c.createdAt())).put("createdBy", c.createdBy())
          .put("cursor", c.cursor().encode()).put("streams", c.streams()).put("events", c.events())
          .put("root", HashChain.hex(c.root())).put("prevHash", HashChain.hex(c.prevHash()))
          .put("hash", HashChain.hex(c.hash()))
          .put("heads", new JsonArray(heads.values().stream().map(Head::toJson).toList()));
    }

    /** Reads a file written by {@link #toJson}; anything else is an IllegalArgumentException saying what is wrong. */
    public static Snapshot fromJson(JsonObject json) {
      if (!FILE_FORMAT.equals(json.getString("format"))) {
        throw new IllegalArgumentException("not a checkpoint file (format is not " + FILE_FORMAT + ")");
      }
      try {
        SortedMap<String, Head> heads = new TreeMap<>();
        JsonArray list = json.getJsonArray("heads");
        for (int i = 0; i < list.size(); i++) {
          Head h = Head.fromJson(list.getJsonObject(i));
          heads.put(h.streamId(), h);
        }
        HexFormat hex = HexFormat.of();
        Checkpoint c = new Checkpoint(json.getLong("id"), Instant.parse(json.getString("createdAt")),
            json.getString("createdBy"), Cursor.decode(json.getString("cursor")), json.getInteger("streams"),
            json.getLong("events"), List.of(), hex.parseHex(json.getString("root")),
            hex.parseHex(json.getString("prevHash")), hex.parseHex(json.getString("hash")));
        return new Snapshot(c, heads);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("the checkpoint file is damaged: " + e.getMessage(), e);
      }
    }
  }

  /** A problem with the checkpoints themselves. */
  public record Problem(long checkpointId, String check, String expected, String found) {}

  /**
   * The checkpoints re-checked in order: ids without gaps, each linked to the previous hash, each hash and root
   * recomputed from the heads folded so far. {@code heads} are the heads the checkpoints vouch for (as stored, even
   * where a problem was found), {@code latest} the last checkpoint, if any.
   */
  public record ChainCheck(List<Problem> problems, SortedMap<String, Head> heads, Optional<Checkpoint> latest) {}

  // ---- writing ---------------------------------------------------------------------------------------------------

  /**
   * Writes a checkpoint of every head that moved since the latest one; writes nothing (and answers empty) when the
   * log did not move. Checkpoint writers on several processes are serialised by a lock.
   */
  public Future<Optional<Checkpoint>> write(String by) {
    return pool.withTransaction(conn -> conn.query("select pg_advisory_xact_lock(hashtextextended('checkpoints', 0))")
        .execute()
        .compose(locked -> conn.query("select " + COLUMNS + " from checkpoints order by id desc limit 1").execute())
        .compose(rows -> {
          Optional<Checkpoint> latest = rows.size() == 0 ? Optional.empty()
              : Optional.of(Checkpoint.fromRow(rows.iterator().next()));
          long latestId = latest.map(Checkpoint::id).orElse(0L);
          Future<Folded> folded = known.id() == latestId ? Future.succeededFuture(known)
              : all(conn).map(list -> new Folded(latestId, check(list).heads()));
          return folded.compose(before -> writeAfter(conn, latest, before, by));
        }));
  }

  private Future<Optional<Checkpoint>> writeAfter(SqlConnection conn, Optional<Checkpoint> latest, Folded before,
                                                  String by) {
    Cursor after = latest.map(Checkpoint::cursor).orElse(Cursor.START);
    return conn.preparedQuery(MOVED).execute(Tuple.of(Long.toString(after.txId()), after.position())).compose(rows -> {
      if (rows.size() == 0) return Future.succeededFuture(Optional.<Checkpoint>empty());
      SortedMap<String, Head> heads = new TreeMap<>(before.heads());
      List<Head> moved = new ArrayList<>();
      Cursor cursor = after;
      for (Row row : rows) {
        Head head = new Head(row.getString("stream_id"), row.getInteger("version"), row.getBuffer("hash").getBytes());
        moved.add(head);
        Head old = heads.get(head.streamId());
        if (old == null || old.version() < head.version()) heads.put(head.streamId(), head);
        cursor = new Cursor(Long.parseLong(row.getString("tx_id")), row.getLong("position"));
      }
      long id = latest.map(Checkpoint::id).orElse(0L) + 1;
      Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
      byte[] prevHash = latest.map(Checkpoint::hash).orElse(HashChain.genesis());
      long events = heads.values().stream().mapToLong(Head::version).sum();
      byte[] root = root(heads.values());
      byte[] hash = hashOf(prevHash, id, now, by, cursor, heads.size(), events, root);
      Checkpoint written = new Checkpoint(id, now, by, cursor, heads.size(), events, moved, root, prevHash, hash);
      return conn.preparedQuery(INSERT).execute(Tuple.tuple().addLong(id)
              .addOffsetDateTime(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)).addString(by)
              .addLong(cursor.txId()).addLong(cursor.position()).addInteger(heads.size()).addLong(events)
              .addValue(new JsonArray(moved.stream().map(Head::toJson).toList()))
              .addBuffer(Buffer.buffer(root)).addBuffer(Buffer.buffer(prevHash)).addBuffer(Buffer.buffer(hash)))
          .map(done -> {
            known = new Folded(id, heads);
            return Optional.of(written);
          });
    });
  }

  private record Folded(long id, SortedMap<String, Head> heads) {}

  // ---- reading and checking --------------------------------------------------------------------------------------

  /** Every checkpoint, in order. */
  public Future<List<Checkpoint>> all() { return all(pool); }

  private static Future<List<Checkpoint>> all(io.vertx.sqlclient.SqlClient client) {
    return client.query("select " + COLUMNS + " from checkpoints order by id").execute().map(rows -> {
      List<Checkpoint> list = new ArrayList<>(rows.size());
      for (Row row : rows) list.add(Checkpoint.fromRow(row));
      return list;
    });
  }

  /** The latest checkpoint with every head it vouches for, if there is one. */
  public Future<Optional<Snapshot>> latest() {
    return all().map(list -> {
      ChainCheck checked = check(list);
      return checked.latest().map(c -> new Snapshot(c, checked.heads()));
    });
  }

  /** See {@link ChainCheck}. */
  public static ChainCheck check(List<Checkpoint> checkpoints) {
    List<Problem> problems = new ArrayList<>();
    SortedMap<String, Head> heads = new TreeMap<>();
    byte[] prev = HashChain.genesis();
    long expectedId = 1;
    Checkpoint last = null;
    for (Checkpoint c : checkpoints) {
      if (c.id() != expectedId) {
        problems.add(new Problem(c.id(), "checkpoint id", Long.toString(expectedId), Long.toString(c.id())));
      }
      if (!Arrays.equals(c.prevHash(), prev)) {
        problems.add(new Problem(c.id(), "checkpoint link", HashChain.hex(prev), HashChain.hex(c.prevHash())));
      }
      for (Head h : c.moved()) {
        Head old = heads.get(h.streamId());
        if (old == null || old.version() < h.version()) heads.put(h.streamId(), h);
      }
      byte[] root = root(heads.values());
      if (!Arrays.equals(root, c.root())) {
        problems.add(new Problem(c.id(), "checkpoint root", HashChain.hex(root), HashChain.hex(c.root())));
      }
      long events = heads.values().stream().mapToLong(Head::version).sum();
      if (c.streams() != heads.size() || c.events() != events) {
        problems.add(new Problem(c.id(), "checkpoint totals", heads.size() + " streams, " + events + " events",
            c.streams() + " streams, " + c.events() + " events"));
      }
      byte[] hash = c.recomputedHash();
      if (!Arrays.equals(hash, c.hash())) {
        problems.add(new Problem(c.id(), "checkpoint hash", HashChain.hex(hash), HashChain.hex(c.hash())));
      }
      prev = c.hash();
      expectedId = c.id() + 1;
      last = c;
    }
    return new ChainCheck(List.copyOf(problems), heads, Optional.ofNullable(last));
  }

  /** Whether an exported snapshot is whole in itself: its heads give its root, and its fields give its hash. */
  public static List<Problem> check(Snapshot snapshot) {
    List<Problem> problems = new ArrayList<>();
    Checkpoint c = snapshot.checkpoint();
    byte[] root = root(snapshot.heads().values());
    if (!Arrays.equals(root, c.root())) {
      problems.add(new Problem(c.id(), "checkpoint file root", HashChain.hex(root), HashChain.hex(c.root())));
    }
    byte[] hash = c.recomputedHash();
    if (!Arrays.equals(hash, c.hash())) {
      problems.add(new Problem(c.id(), "checkpoint file hash", HashChain.hex(hash), HashChain.hex(c.hash())));
    }
    return problems;
  }

  // ---- hashing ---------------------------------------------------------------------------------------------------

  /**
   * The Merkle root of heads in the order of their stream ids: each leaf is SHA-256(0x00 || canonical {stream,
   * version, hash}), each inner node SHA-256(0x01 || left || right), a last odd node moves up unchanged; no heads
   * give 32 zero bytes.
   */
  public static byte[] root(java.util.Collection<Head> heads) {
    List<byte[]> level = new ArrayList<>();
    heads.stream().sorted(java.util.Comparator.comparing(Head::streamId)).forEach(h -> {
      Map<String, Object> leaf = new LinkedHashMap<>();
      leaf.put("stream", h.streamId());
      leaf.put("version", h.version());
      leaf.put("hash", HashChain.hex(h.hash()));
      level.add(sha256(new byte[] {0}, CanonicalJson.encode(leaf).getBytes(StandardCharsets.UTF_8)));
    });
    if (level.isEmpty()) return HashChain.genesis();
    List<byte[]> nodes = level;
    while (nodes.size() > 1) {
      List<byte[]> up = new ArrayList<>((nodes.size() + 1) / 2);
      for (int i = 0; i < nodes.size(); i += 2) {
        up.add(i + 1 < nodes.size() ? sha256(new byte[] {1}, nodes.get(i), nodes.get(i + 1)) : nodes.get(i));
      }
      nodes = up;
    }
    return nodes.getFirst();
  }

  /** SHA-256(prev_hash || canonical {id, created_at, created_by, cursor, streams, events, root}). */
  static byte[] hashOf(byte[] prevHash, long id, Instant createdAt, String createdBy, Cursor cursor, int streams,
                       long events, byte[] root) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("id", id);
    content.put("created_at", HashChain.recordedAtText(createdAt));
    content.put("created_by", createdBy);
    content.put("cursor", cursor.encode());
    content.put("streams", streams);
    content.put("events", events);
    content.put("root", HashChain.hex(root));
    return sha256(prevHash, CanonicalJson.encode(content).getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) digest.update(part);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
