package org.tuneloop.server;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.tuneloop.agent.LinearQ;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QTable;
import org.tuneloop.agent.Visits;
import org.tuneloop.study.Participant;
import org.tuneloop.study.Supervision;

/**
 * A participant's state to and from the bytes of a snapshot (docs/architecture.md), by the shape of its records:
 * each record is written as its class and its components in order, sealed interfaces by the record that implements
 * them, and the few classes that are not records (the Q-table, the visit counts, linear weights) by what rebuilds
 * them. A snapshot is a cache, never read by the audit: anything unexpected fails the decoding, and the state is
 * then folded from the log instead.
 *
 * <p>{@link #CODE_VERSION} names the code a snapshot was written by: the build, {@link #FORMAT}, and a fingerprint of
 * the state's shape (every record's components and their types). A snapshot of another code version is not read;
 * a change of what folding an event does without a change of shape needs {@link #FORMAT} (or the build) bumped.
 */
final class SnapshotCodec {
  private SnapshotCodec() {}

  /** Bumped when the fold of the events changes while the state's shape does not. */
  static final int FORMAT = 1;

  static final String CODE_VERSION = BuildInfo.APP_VERSION + "/" + BuildInfo.AGENT_VERSION + "/snapshot-" + FORMAT
      + "/" + fingerprint(List.of(Participant.class, Supervision.State.class));

  private static final int MAGIC = 0x54_4C_53_31; // "TLS1"
  // Only the project's own classes are ever made from a snapshot's class names.
  private static final String PACKAGE = "org.tuneloop.";

  private static final byte NULL = 0, INT = 1, LONG = 2, DOUBLE = 3, TRUE = 4, FALSE = 5, STRING = 6, INSTANT = 7,
      ENUM = 8, LIST = 9, MAP = 10, SET = 11, RECORD = 12, Q_TABLE = 13, VISITS = 14, WEIGHTS = 15, SEEN = 16;

  /** What a snapshot holds: the two states folded from one stream. */
  record Content(Participant state, Supervision.State supervision) {}

  static byte[] encode(Participant state, Supervision.State supervision) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16_384);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      Writer writer = new Writer(out);
      writer.value(state);
      writer.value(supervision);
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The content of a snapshot; fails (IllegalArgumentException) on anything but what {@link #encode} wrote. */
  static Content decode(byte[] snapshot) {
    if (snapshot == null || snapshot.length < 12) throw new IllegalArgumentException("a snapshot too short");
    CRC32 crc = new CRC32();
    crc.update(snapshot, 0, snapshot.length - 8);
    long stored = 0;
    for (int i = snapshot.length - 8; i < snapshot.length; i++) stored = (stored << 8) | (snapshot[i] & 0xFF);
    if (stored != crc.getValue()) throw new IllegalArgumentException("a snapshot whose checksum does not match");
    try {
      ByteBuffer in = ByteBuffer.wrap(snapshot, 0, snapshot.length - 8);
      if (in.getInt() != MAGIC) throw new IllegalArgumentException("not a snapshot of this format");
      Reader reader = new Reader(in);
      Object state = reader.value();
      Object supervision = reader.value();
      if (!(state instanceof Participant p) || !(supervision instanceof Supervision.State s)) {
        throw new IllegalArgumentException("a snapshot without a participant's state");
      }
      if (in.hasRemaining()) throw new IllegalArgumentException("bytes left over after a snapshot");
      return new Content(p, s);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("a snapshot cut short", e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("a snapshot that does not fit the code: " + e, e);
    }
  }

  /** A record's components and canonical constructor, looked up once per class. */
  private record Shape(Method[] accessors, Constructor<?> constructor) {}

  private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
    @Override protected Shape computeValue(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      Method[] accessors = new Method[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        accessors[i] = components[i].getAccessor();
        accessors[i].setAccessible(true);
        types[i] = components[i].getType();
      }
      try {
        Constructor<?> constructor = type.getDeclaredConstructor(types);
        constructor.setAccessible(true);
        return new Shape(accessors, constructor);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("a record without its canonical constructor: " + type, e);
      }
    }
  };

  private static final class Writer {
    private final DataOutputStream out;
    private final Map<Class<?>, Integer> classes = new LinkedHashMap<>();
    // Each distinct string once (the Q keys' states and actions recur in the values and the visit counts).
    private final Map<String, Integer> strings = new java.util.HashMap<>();
    // Records shared within the state (the enrolment, what was learnt) are written once, then referred to.
    private final Map<Object, Integer> seen = new IdentityHashMap<>();

    Writer(DataOutputStream out) { this.out = out; }

    void value(Object v) throws IOException {
      switch (v) {
        case null -> out.writeByte(NULL);
        case Integer i -> { out.writeByte(INT); out.writeInt(i); }
        case Long l -> { out.writeByte(LONG); out.writeLong(l); }
        case Double d -> { out.writeByte(DOUBLE); out.writeDouble(d); }
        case Boolean b -> out.writeByte(b ? TRUE : FALSE);
        case String s -> { out.writeByte(STRING); string(s); }
        case Instant t -> { out.writeByte(INSTANT); out.writeLong(t.getEpochSecond()); out.writeInt(t.getNano()); }
        case Enum<?> e -> { out.writeByte(ENUM); type(e.getDeclaringClass()); string(e.name()); }
        case List<?> list -> {
          out.writeByte(LIST);
          out.writeInt(list.size());
          for (Object o : list) value(o);
        }
        case Set<?> set -> {
          out.writeByte(SET);
          out.writeInt(set.size());
          for (Object o : set) value(o);
        }
        case Map<?, ?> map -> {
          out.writeByte(MAP);
          out.writeInt(map.size());
          for (Map.Entry<?, ?> e : map.entrySet()) { value(e.getKey()); value(e.getValue()); }
        }
        default -> shared(v);
      }
    }

    private void shared(Object v) throws IOException {
      Integer at = seen.get(v);
      if (at != null) {
        out.writeByte(SEEN);
        out.writeInt(at);
        return;
      }
      switch (v) {
        case QTable q -> {
          out.writeByte(Q_TABLE);
          value(q.entries());
          value(q.visits());
          out.writeDouble(q.initial());
        }
        case Visits visits -> { out.writeByte(VISITS); value(visits.pairs()); }
        case LinearQ.Weights w -> { out.writeByte(WEIGHTS); value(w.values()); }
        case Record r -> {
          out.writeByte(RECORD);
          type(r.getClass());
          try {
            for (Method accessor : SHAPES.get(r.getClass()).accessors()) value(accessor.invoke(r));
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + r.getClass().getName(), e);
          }
        }
        default -> throw new IllegalArgumentException("no snapshot encoding for " + v.getClass().getName());
      }
      // Numbered when done, as the reader numbers them when made.
      seen.put(v, seen.size());
    }

    private void type(Class<?> type) throws IOException {
      Integer at = classes.get(type);
      if (at != null) {
        out.writeShort(at);
      } else {
        out.writeShort(classes.size());
        classes.put(type, classes.size());
        byte[] name = type.getName().getBytes(StandardCharsets.UTF_8);
        out.writeInt(name.length);
        out.write(name);
      }
    }

    private void string(String s) throws IOException {
      Integer at = strings.get(s);
      if (at != null) {
        out.writeInt(at);
        return;
      }
      out.writeInt(strings.size());
      strings.put(s, strings.size());
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(utf8.length);
      out.write(utf8);
    }
  }

  private static final class Reader {
    private final ByteBuffer in;
    private final List<String> strings = new ArrayList<>();
    private final List<Class<?>> classes = new ArrayList<>();
    private final List<Object> seen = new ArrayList<>();

    Reader(ByteBuffer in) { this.in = in; }

    Object value() throws ReflectiveOperationException {
      byte tag = in.get();
      return switch (tag) {
        case NULL -> null;
        case INT -> in.getInt();
        case LONG -> in.getLong();
        case DOUBLE -> in.getDouble();
        case TRUE -> Boolean.TRUE;
        case FALSE -> Boolean.FALSE;
        case STRING -> string();
        case INSTANT -> Instant.ofEpochSecond(in.getLong(), in.getInt());
        case ENUM -> enumConstant(type(), string());
        case LIST -> {
          int n = size();
          List<Object> list = new ArrayList<>(n);
          for (int i = 0; i < n; i++) list.add(value());
          yield Collections.unmodifiableList(list);
        }
        case SET -> {
          int n = size();
          Set<Object> set = new LinkedHashSet<>();
          for (int i = 0; i < n; i++) set.add(value());
          yield Collections.unmodifiableSet(set);
        }
        case MAP -> map();
        case Q_TABLE -> made(QTable.of(entries(Double.class), (Visits) expect(Visits.class), in.getDouble()));
        case VISITS -> made(Visits.of(entries(Integer.class)));
        case WEIGHTS -> {
          List<Double> values = new ArrayList<>();
          for (Object o : (List<?>) expect(List.class)) values.add((Double) o);
          yield made(LinearQ.Weights.of(values));
        }
        case RECORD -> {
          Class<?> type = type();
          if (!type.isRecord()) throw new IllegalArgumentException("not a record: " + type.getName());
          Shape shape = SHAPES.get(type);
          Object[] args = new Object[shape.accessors().length];
          for (int i = 0; i < args.length; i++) args[i] = value();
          yield made(shape.constructor().newInstance(args));
        }
        case SEEN -> {
          int at = in.getInt();
          if (at < 0 || at >= seen.size()) throw new IllegalArgumentException("a reference to nothing: " + at);
          yield seen.get(at);
        }
        default -> throw new IllegalArgumentException("an unknown tag in a snapshot: " + tag);
      };
    }

    private Object made(Object v) {
      seen.add(v);
      return v;
    }

    private Object expect(Class<?> type) throws ReflectiveOperationException {
      Object v = value();
      if (!type.isInstance(v)) throw new IllegalArgumentException("expected a " + type.getSimpleName() + ": " + v);
      return v;
    }

    private Map<Object, Object> map() throws ReflectiveOperationException {
      int n = size();
      Map<Object, Object> map = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) map.put(value(), value());
      return Collections.unmodifiableMap(map);
    }

    @SuppressWarnings("unchecked")
    private <V> Map<QKey, V> entries(Class<V> values) throws ReflectiveOperationException {
      if (in.get() != MAP) throw new IllegalArgumentException("expected a map of Q keys");
      Map<Object, Object> map = map();
      for (Map.Entry<Object, Object> e : map.entrySet()) {
        if (!(e.getKey() instanceof QKey) || !values.isInstance(e.getValue())) {
          throw new IllegalArgumentException("expected Q keys and " + values.getSimpleName() + " values: " + e);
        }
      }
      return (Map<QKey, V>) (Map<?, ?>) map;
    }

    private int size() {
      int n = in.getInt();
      if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("a size beyond the snapshot: " + n);
      return n;
    }

    private Class<?> type() throws ClassNotFoundException {
      int at = in.getShort();
      if (at >= 0 && at < classes.size()) return classes.get(at);
      if (at != classes.size()) throw new IllegalArgumentException("a reference to no class: " + at);
      String name = utf8(size());
      if (!name.startsWith(PACKAGE)) throw new IllegalArgumentException("a class outside the project: " + name);
      Class<?> type = Class.forName(name, false, SnapshotCodec.class.getClassLoader());
      classes.add(type);
      return type;
    }

    private static Object enumConstant(Class<?> type, String name) {
      if (!type.isEnum()) throw new IllegalArgumentException("not an enum: " + type.getName());
      for (Object constant : type.getEnumConstants()) {
        if (((Enum<?>) constant).name().equals(name)) return constant;
      }
      throw new IllegalArgumentException("no " + name + " in " + type.getName());
    }

    private String string() {
      int at = in.getInt();
      if (at >= 0 && at < strings.size()) return strings.get(at);
      if (at != strings.size()) throw new IllegalArgumentException("a reference to no string: " + at);
      String s = utf8(size());
      strings.add(s);
      return s;
    }

    private String utf8(int n) {
      String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
      in.position(in.position() + n);
      return s;
    }
  }

  /**
   * A short hash of the shape of the states: every record reachable from them with its components' names and
   * types, the records of each sealed interface, and each enum's constants. It changes when a component is added,
   * removed, renamed or retyped, so a snapshot of an older shape is not read.
   */
  static String fingerprint(List<Class<?>> roots) {
    StringBuilder shape = new StringBuilder();
    Set<Class<?>> done = new HashSet<>();
    List<Type> todo = new ArrayList<>(roots);
    while (!todo.isEmpty()) {
      Type t = todo.removeLast();
      switch (t) {
        case ParameterizedType p -> {
          todo.add(p.getRawType());
          todo.addAll(List.of(p.getActualTypeArguments()));
        }
        case WildcardType w -> todo.addAll(List.of(w.getUpperBounds()));
        case GenericArrayType a -> todo.add(a.getGenericComponentType());
        case Class<?> c when c.getName().startsWith(PACKAGE) && done.add(c) -> {
          shape.append(c.getName()).append('{');
          if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
              shape.append(rc.getName()).append(':').append(rc.getGenericType().getTypeName()).append(';');
              todo.add(rc.getGenericType());
            }
          } else if (c.isEnum()) {
            for (Object constant : c.getEnumConstants()) shape.append(((Enum<?>) constant).name()).append(';');
          } else if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
              shape.append(sub.getName()).append(';');
              todo.add(sub);
            }
          }
          shape.append('}');
        }
        default -> { }
      }
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(shape.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
