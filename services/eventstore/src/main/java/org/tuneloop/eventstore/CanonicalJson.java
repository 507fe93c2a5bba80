package org.tuneloop.eventstore;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Canonical JSON in the style of RFC 8785 (JCS): object keys sorted by UTF-16 code units, no whitespace,
 * RFC 8785 string escapes, numbers in ECMAScript's shortest round-trip form. Two deliberate choices:
 * <ul>
 *   <li>Integers (an integer type, or a BigDecimal without fraction digits) that fit in a long are written exactly,
 *       so large ids and counters keep every digit; RFC 8785 would round them through a double.</li>
 *   <li>Every other number is taken by its value as a double, whatever Java type carries it, because jsonb rewrites
 *       numbers (1e-5 comes back as 0.00001) and Vert.x may hand them back as Integer, Long, Double or BigDecimal.</li>
 * </ul>
 * Both rules give the same text before and after a round trip through jsonb, which is what the hash chain needs.
 */
public final class CanonicalJson {
  private CanonicalJson() {}

  /** The canonical text of a JSON value (JsonObject, JsonArray, Map, List, String, Number, Boolean or null). */
  public static String encode(Object value) {
    StringBuilder out = new StringBuilder(256);
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value) {
    switch (value) {
      case null -> out.append("null");
      case Boolean b -> out.append(b.booleanValue());
      case CharSequence s -> string(out, s.toString());
      case Number n -> out.append(number(n));
      case JsonObject o -> object(out, o.getMap());
      case Map<?, ?> m -> object(out, m);
      case JsonArray a -> array(out, a.getList());
      case List<?> l -> array(out, l);
      // Instants, byte arrays, enums and the like: canonicalise what Vert.x would store for them.
      default -> write(out, Json.decodeValue(Json.encode(value)));
    }
  }

  private static void object(StringBuilder out, Map<?, ?> map) {
    List<Map.Entry<String, Object>> entries = new ArrayList<>(map.size());
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof CharSequence key)) {
        throw new IllegalArgumentException("JSON object key is not a string: " + e.getKey());
      }
      entries.add(Map.entry(key.toString(), e.getValue() == null ? NULL : e.getValue()));
    }
    // String.compareTo compares UTF-16 code units, as RFC 8785 section 3.2.3 asks.
    entries.sort(Map.Entry.comparingByKey());
    out.append('{');
    for (Iterator<Map.Entry<String, Object>> it = entries.iterator(); it.hasNext(); ) {
      Map.Entry<String, Object> e = it.next();
      string(out, e.getKey());
      out.append(':');
      write(out, e.getValue() == NULL ? null : e.getValue());
      if (it.hasNext()) out.append(',');
    }
    out.append('}');
  }

  // Map.entry rejects null values.
  private static final Object NULL = new Object();

  private static void array(StringBuilder out, List<?> list) {
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) out.append(',');
      write(out, list.get(i));
    }
    out.append(']');
  }

  /** RFC 8785 section 3.2.2.2: only '"', '\\' and control characters are escaped; the rest is literal. */
  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
          else out.append(c);
        }
      }
    }
    out.append('"');
  }

  /** A number's canonical text (see the class comment). */
  public static String number(Number n) {
    return switch (n) {
      case Integer i -> Integer.toString(i);
      case Long l -> Long.toString(l);
      case Short s -> Short.toString(s);
      case Byte b -> Byte.toString(b);
      case AtomicInteger i -> Integer.toString(i.get());
      case AtomicLong l -> Long.toString(l.get());
      case BigInteger b -> b.bitLength() < 64 ? b.toString() : ecmaScript(b.doubleValue());
      case BigDecimal b -> {
        if (b.scale() <= 0) {
          try {
            yield Long.toString(b.longValueExact());
          } catch (ArithmeticException tooBig) {
            yield ecmaScript(b.doubleValue());
          }
        }
        yield ecmaScript(b.doubleValue());
      }
      // A float's own shortest digits, not those of its binary value widened to double (0.1f is not 0.1).
      case Float f -> ecmaScript(Double.parseDouble(Float.toString(f)));
      default -> ecmaScript(n.doubleValue());
    };
  }

  /** ECMAScript's Number::toString (ECMA-262 section 6.1.6.1.20), as RFC 8785 section 3.2.2.3 prescribes. */
  public static String ecmaScript(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("JSON has no " + d);
    }
    if (d == 0) return "0"; // and -0
    String sign = d < 0 ? "-" : "";
    double a = Math.abs(d);
    // Since JDK 19 Double.toString gives the shortest digits that round-trip (JDK-4511638).
    BigDecimal shortest = new BigDecimal(Double.toString(a)).stripTrailingZeros();
    String digits = shortest.unscaledValue().toString();
    int n = digits.length() - shortest.scale(); // a = 0.digits * 10^n
    if (digits.length() == 2) {
      // Java may pick two digits where one would do but lies farther off (4.9E-324); ECMAScript takes the one digit.
      BigDecimal exact = new BigDecimal(a);
      BigDecimal best = null;
      BigDecimal bestDistance = null;
      int first = digits.charAt(0) - '0';
      for (int candidate : new int[] {first, first + 1}) {
        BigDecimal value = BigDecimal.valueOf(candidate).scaleByPowerOfTen(n - 1);
        if (Double.parseDouble(value.toString()) != a) continue;
        BigDecimal distance = value.subtract(exact).abs();
        if (bestDistance == null || distance.compareTo(bestDistance) < 0) {
          best = value;
          bestDistance = distance;
        }
      }
      if (best != null) {
        BigDecimal s = best.stripTrailingZeros();
        digits = s.unscaledValue().toString();
        n = digits.length() - s.scale();
      }
    }
    return sign + layout(digits, n);
  }

  /** Places the decimal point or exponent for digits d1..dk and a = 0.d1..dk * 10^n (ECMA-262 steps 6 to 10). */
  private static String layout(String digits, int n) {
    int k = digits.length();
    if (k <= n && n <= 21) return digits + "0".repeat(n - k);
    if (0 < n && n <= 21) return digits.substring(0, n) + "." + digits.substring(n);
    if (-6 < n && n <= 0) return "0." + "0".repeat(-n) + digits;
    int e = n - 1;
    String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return mantissa + "e" + (e >= 0 ? "+" : "-") + Math.abs(e);
  }
}
