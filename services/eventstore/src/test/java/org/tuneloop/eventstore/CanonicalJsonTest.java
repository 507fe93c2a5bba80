package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalJsonTest {

  /** RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "0000000000000000 | 0",
      "8000000000000000 | 0",
      "0000000000000001 | 5e-324",
      "8000000000000001 | -5e-324",
      "7fefffffffffffff | 1.7976931348623157e+308",
      "ffefffffffffffff | -1.7976931348623157e+308",
      "4340000000000000 | 9007199254740992",
      "c340000000000000 | -9007199254740992",
      "4430000000000000 | 295147905179352830000",
      "44b52d02c7e14af5 | 9.999999999999997e+22",
      "44b52d02c7e14af6 | 1e+23",
      "44b52d02c7e14af7 | 1.0000000000000001e+23",
      "444b1ae4d6e2ef4e | 999999999999999700000",
      "444b1ae4d6e2ef4f | 999999999999999900000",
      "444b1ae4d6e2ef50 | 1e+21",
      "3eb0c6f7a0b5ed8c | 9.999999999999997e-7",
      "3eb0c6f7a0b5ed8d | 0.000001",
      "41b3de4355555553 | 333333333.3333332",
      "41b3de4355555554 | 333333333.33333325",
      "41b3de4355555555 | 333333333.3333333",
      "41b3de4355555556 | 333333333.3333334",
      "41b3de4355555557 | 333333333.33333343",
      "becbf647612f3696 | -0.0000033333333333333333",
      "43143ff3c1cb0959 | 1424953923781206.2",
  })
  void rfc8785Numbers(String bits, String expected) {
    double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
    assertThat(CanonicalJson.ecmaScript(d)).isEqualTo(expected);
    assertThat(CanonicalJson.number(d)).isEqualTo(expected);
  }

  @Test
  void notANumberIsNotJson() {
    assertThatThrownBy(() -> CanonicalJson.ecmaScript(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CanonicalJson.ecmaScript(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ecmaScriptLayout() {
    assertThat(CanonicalJson.ecmaScript(0.1)).isEqualTo("0.1");
    assertThat(CanonicalJson.ecmaScript(1e-5)).isEqualTo("0.00001");
    assertThat(CanonicalJson.ecmaScript(1e-6)).isEqualTo("0.000001");
    assertThat(CanonicalJson.ecmaScript(1e-7)).isEqualTo("1e-7");
    assertThat(CanonicalJson.ecmaScript(1.5e-7)).isEqualTo("1.5e-7");
    assertThat(CanonicalJson.ecmaScript(1e20)).isEqualTo("100000000000000000000");
    assertThat(CanonicalJson.ecmaScript(1e21)).isEqualTo("1e+21");
    assertThat(CanonicalJson.ecmaScript(1.25e22)).isEqualTo("1.25e+22");
    assertThat(CanonicalJson.ecmaScript(123.456)).isEqualTo("123.456");
    assertThat(CanonicalJson.ecmaScript(-3.0)).isEqualTo("-3");
    assertThat(CanonicalJson.ecmaScript(Double.MIN_NORMAL)).isEqualTo("2.2250738585072014e-308");
  }

  @Test
  void numbersAreNormalisedByValueWhateverTheirJavaType() {
    assertThat(CanonicalJson.number(7)).isEqualTo("7");
    assertThat(CanonicalJson.number(7L)).isEqualTo("7");
    assertThat(CanonicalJson.number((short) 7)).isEqualTo("7");
    assertThat(CanonicalJson.number(7.0)).isEqualTo("7");
    assertThat(CanonicalJson.number(new BigDecimal("7.000"))).isEqualTo("7");
    assertThat(CanonicalJson.number(new BigDecimal("7E+3"))).isEqualTo("7000");
    assertThat(CanonicalJson.number(new BigDecimal("0.00001"))).isEqualTo("0.00001");
    assertThat(CanonicalJson.number(1e-5)).isEqualTo("0.00001");
    assertThat(CanonicalJson.number(0.1f)).isEqualTo("0.1");
    assertThat(CanonicalJson.number(new BigDecimal("0.1"))).isEqualTo("0.1");
    // Integers that fit in a long keep every digit (beyond RFC 8785, which rounds them through a double).
    assertThat(CanonicalJson.number(Long.MAX_VALUE)).isEqualTo("9223372036854775807");
    assertThat(CanonicalJson.number(BigInteger.valueOf(Long.MIN_VALUE))).isEqualTo("-9223372036854775808");
    assertThat(CanonicalJson.number(BigInteger.TWO.pow(70))).isEqualTo("1.1805916207174113e+21");
    assertThat(CanonicalJson.number(new BigDecimal("1e21"))).isEqualTo("1e+21");
  }

  @Test
  void rfc8785StringEscapes() {
    // The RFC's example string, decoded by hand: javac reads a unicode escape of a line feed as a line end.
    String input = "€$" + (char) 0x0F + "\nA'B\"\\\\\"/";
    assertThat(CanonicalJson.encode(input)).isEqualTo("\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    assertThat(CanonicalJson.encode("\b\f\r\t\u001f\u007f\u2028é日本🎵"))
        .isEqualTo("\"\\b\\f\\r\\t\\u001f\u007f\u2028é日本🎵\"");
  }

  @Test
  void rfc8785KeyOrderIsByUtf16CodeUnits() {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("\u20ac", "Euro Sign");
    object.put("\r", "Carriage Return");
    object.put("\ufb33", "Hebrew Letter Dalet With Dagesh");
    object.put("1", "One");
    object.put("\ud83d\ude00", "Emoji: Grinning Face");
    object.put("\u0080", "Control");
    object.put("\u00f6", "Latin Small Letter O With Diaeresis");
    assertThat(CanonicalJson.encode(object)).isEqualTo("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
        + "\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\","
        + "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
  }

  @Test
  void rfc8785Example() {
    JsonObject parsed = new JsonObject("""
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
          "literals": [null, true, false]
        }""");
    assertThat(CanonicalJson.encode(parsed)).isEqualTo("{\"literals\":[null,true,false],"
        + "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  }

  @Test
  void nestedValuesAndNulls() {
    JsonObject a = new JsonObject().put("b", new JsonObject().put("y", 2).put("x", new JsonArray().add(1).addNull()))
        .putNull("a").put("c", Map.of("k", 1.0));
    JsonObject b = new JsonObject().put("c", new JsonObject().put("k", 1)).putNull("a")
        .put("b", new JsonObject().put("x", new JsonArray().add(1.0).addNull()).put("y", 2L));
    assertThat(CanonicalJson.encode(a)).isEqualTo("{\"a\":null,\"b\":{\"x\":[1,null],\"y\":2},\"c\":{\"k\":1}}");
    assertThat(CanonicalJson.encode(b)).isEqualTo(CanonicalJson.encode(a));
  }

  /**
   * The number text against a plain reference (every digit through BigDecimal, the one-digit check on every
   * two-digit result) over doubles of every kind: random bit patterns, integers, short decimals at every scale,
   * subnormals. The writer takes shortcuts for speed (integers, no BigDecimal, the check on subnormals only).
   */
  @Test
  void numbersMatchAPlainReferenceOverManyDoubles() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(8785);
    java.util.List<Double> values = new java.util.ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      values.add(Double.longBitsToDouble(random.nextLong()));
      values.add((double) random.nextLong(-(1L << 54), 1L << 54));
      values.add(Double.longBitsToDouble(random.nextLong(1L << 52))); // subnormal
      values.add(random.nextDouble() * Math.pow(10, random.nextInt(-30, 30)));
    }
    for (int exponent = -325; exponent <= 308; exponent++) {
      for (int twoDigits = 10; twoDigits <= 99; twoDigits++) {
        values.add(Double.parseDouble(twoDigits + "e" + exponent));
        values.add(Double.parseDouble(twoDigits / 10 + "e" + exponent));
      }
    }
    values.addAll(java.util.List.of(Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, 0x1p53, 0x1p53 - 1,
        -0x1p53, 0.25, 0.75, 0.1, 1e21, 1e-7, 9.5, 1.0e15));
    for (double d : values) {
      if (Double.isNaN(d) || Double.isInfinite(d)) continue;
      assertThat(CanonicalJson.ecmaScript(d)).as("%s (bits %x)", d, Double.doubleToRawLongBits(d))
          .isEqualTo(reference(d));
    }
  }

  /** ECMAScript's Number::toString written plainly, the oracle of the test above. */
  private static String reference(double d) {
    if (d == 0) return "0";
    String sign = d < 0 ? "-" : "";
    double a = Math.abs(d);
    BigDecimal shortest = new BigDecimal(Double.toString(a)).stripTrailingZeros();
    String digits = shortest.unscaledValue().toString();
    int n = digits.length() - shortest.scale();
    if (digits.length() == 2) {
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
    int k = digits.length();
    String text;
    if (k <= n && n <= 21) text = digits + "0".repeat(n - k);
    else if (0 < n && n <= 21) text = digits.substring(0, n) + "." + digits.substring(n);
    else if (-6 < n && n <= 0) text = "0." + "0".repeat(-n) + digits;
    else text = (k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1)) + "e" + (n - 1 >= 0 ? "+" : "-")
        + Math.abs(n - 1);
    return sign + text;
  }

  @Test
  void stringsWithAndWithoutEscapes() {
    assertThat(CanonicalJson.encode("plain-key@3")).isEqualTo("\"plain-key@3\"");
    assertThat(CanonicalJson.encode("ends with a quote\"")).isEqualTo("\"ends with a quote\\\"\"");
    assertThat(CanonicalJson.encode("\\starts")).isEqualTo("\"\\\\starts\"");
    assertThat(CanonicalJson.encode("")).isEqualTo("\"\"");
  }

  @Test
  void largeObjectsAreSortedLikeSmallOnes() {
    Map<String, Object> large = new LinkedHashMap<>();
    StringBuilder expected = new StringBuilder("{");
    for (int i = 99; i >= 10; i--) {
      large.put("k" + i, i % 3 == 0 ? null : i);
    }
    for (int i = 10; i <= 99; i++) {
      expected.append(i > 10 ? "," : "").append("\"k").append(i).append("\":").append(i % 3 == 0 ? "null" : i);
    }
    assertThat(CanonicalJson.encode(large)).isEqualTo(expected.append('}').toString());
    assertThatThrownBy(() -> CanonicalJson.encode(Map.of(1, "a"))).isInstanceOf(IllegalArgumentException.class);
  }
}
