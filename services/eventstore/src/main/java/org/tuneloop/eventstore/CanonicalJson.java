package org.tuneloop.eventstore;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
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
    int size = map.size();
    String[] keys = new String[size];
    Object[] values = new Object[size];
    int k = 0;
    // String.compareTo (and so TreeMap) compares UTF-16 code units, as RFC 8785 section 3.2.3 asks.
    if (size > 16) {
      // A large object (rare in events): sorted by a tree.
      java.util.TreeMap<String, Object> sorted = new java.util.TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sorted.put(key(e.getKey()), e.getValue());
      }
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        keys[k] = e.getKey();
        values[k++] = e.getValue();
      }
    } else {
      // Insertion sort, keys and values together: most objects have a handful of keys.
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = key(e.getKey());
        int at = k++;
        while (at > 0 && keys[at - 1].compareTo(key) > 0) {
          keys[at] = keys[at - 1];
          values[at] = values[at - 1];
          at--;
        }
        keys[at] = key;
        values[at] = e.getValue();
      }
    }
    out.append('{');
    for (int i = 0; i < size; i++) {
      if (i > 0) out.append(',');
      string(out, keys[i]);
      out.append(':');
      write(out, values[i]);
    }
    out.append('}');
  }

  private static String key(Object key) {
    if (!(key instanceof CharSequence text)) {
      throw new IllegalArgumentException("JSON object key is not a string: " + key);
    }
    return text.toString();
  }

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
    int plain = 0;
    while (plain < s.length() && s.charAt(plain) >= 0x20 && s.charAt(plain) != '"' && s.charAt(plain) != '\\') {
      plain++;
    }
    // Most strings (keys, ids, state keys) need no escape: copied at once.
    if (plain == s.length()) {
      out.append(s).append('"');
      return;
    }
    out.append(s, 0, plain);
    for (int i = plain; i < s.length(); i++) {
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
    // An integer below 2^53 is exact, and its shortest digits are its own.
    if (Math.abs(d) < 0x1p53 && d == Math.rint(d)) return Long.toString((long) d);
    String sign = d < 0 ? "-" : "";
    double a = Math.abs(d);
    // Since JDK 19 Double.toString gives the shortest digits that round-trip (JDK-4511638), as "I.F" or "I.FEx".
    String text = Double.toString(a);
    int e = text.indexOf('E');
    int exponent = e < 0 ? 0 : Integer.parseInt(text, e + 1, text.length(), 10);
    int end = e < 0 ? text.length() : e;
    int point = text.indexOf('.');
    String all = text.substring(0, point) + text.substring(point + 1, end);
    int lead = 0;
    while (lead < all.length() - 1 && all.charAt(lead) == '0') lead++;
    int last = all.length();
    while (last > lead + 1 && all.charAt(last - 1) == '0') last--;
    String digits = all.substring(lead, last);
    int n = point + exponent - lead; // a = 0.digits * 10^n
    if (digits.length() == 2 && a < Double.MIN_NORMAL) {
      // Java may pick two digits where one would do but lies farther off (4.9E-324); ECMAScript takes the one digit.
      // Only a subnormal has so few bits that a one-digit decimal round-trips yet another two-digit one is closer.
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
