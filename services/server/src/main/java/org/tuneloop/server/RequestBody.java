package org.tuneloop.server;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** Edge validation of JSON bodies: each problem names its field, and nothing reaches the domain unchecked. */
public final class RequestBody {
  private final JsonObject json;

  private RequestBody(JsonObject json) {
    this.json = json;
  }

  /** The body as a JSON object with only the given fields; an empty body is an empty object. */
  public static RequestBody of(RoutingContext ctx, Set<String> allowed) {
    String text = ctx.body().asString();
    JsonObject json;
    if (text == null || text.isBlank()) {
      json = new JsonObject();
    } else {
      try {
        Object parsed = io.vertx.core.json.Json.decodeValue(text);
        if (!(parsed instanceof JsonObject o)) {
          throw ApiError.badRequest(null, "the request body must be a JSON object");
        }
        json = o;
      } catch (DecodeException e) {
        throw ApiError.badRequest(null, "the request body is not valid JSON");
      }
    }
    for (String name : json.fieldNames()) {
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(name, "unknown field '" + name + "'; expected " + allowed);
      }
    }
    return new RequestBody(json);
  }

  public int integer(String field, int min, int max) {
    Object v = json.getValue(field);
    if (v == null) {
      throw ApiError.badRequest(field, "'" + field + "' is required: a whole number from " + min + " to " + max);
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
        || ((Number) v).longValue() > max) {
      throw ApiError.badRequest(field, "'" + field + "' must be a whole number from " + min + " to " + max
          + ", not " + describe(v));
    }
    return ((Number) v).intValue();
  }

  /** A whole number of any size a Java int holds; the domain says which values it allows. */
  public int integer(String field) {
    Object v = json.getValue(field);
    if (v == null) {
      throw ApiError.badRequest(field, "'" + field + "' is required: a whole number");
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() != ((Number) v).intValue()) {
      throw ApiError.badRequest(field, "'" + field + "' must be a whole number, not " + describe(v));
    }
    return ((Number) v).intValue();
  }

  public Integer optionalInteger(String field, int min, int max) {
    return json.getValue(field) == null ? null : integer(field, min, max);
  }

  public boolean bool(String field) {
    Object v = json.getValue(field);
    if (!(v instanceof Boolean b)) {
      throw ApiError.badRequest(field, "'" + field + "' is required: true or false");
    }
    return b;
  }

  public String text(String field, int maxLength) {
    Object v = json.getValue(field);
    if (!(v instanceof String s) || s.isBlank() || s.length() > maxLength) {
      throw ApiError.badRequest(field, "'" + field + "' is required: text of at most " + maxLength + " characters");
    }
    return s;
  }

  public String optionalText(String field, int maxLength) {
    return json.getValue(field) == null ? null : text(field, maxLength);
  }

  /** A nested object with only the given fields, or null when absent. */
  public JsonObject optionalObject(String field, Set<String> allowed) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw ApiError.badRequest(field, "'" + field + "' must be an object with " + allowed);
    }
    for (String name : o.fieldNames()) {
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(field + "." + name, "unknown field '" + field + "." + name + "'; expected " + allowed);
      }
    }
    return o;
  }

  /** A list of at most {@code maxItems} values (each checked by the caller). */
  public java.util.List<Object> list(String field, int maxItems) {
    Object v = json.getValue(field);
    if (!(v instanceof io.vertx.core.json.JsonArray a)) {
      throw ApiError.badRequest(field, "'" + field + "' is required: a list");
    }
    if (a.size() > maxItems) {
      throw ApiError.badRequest(field, "'" + field + "' may list at most " + maxItems + " values, not " + a.size());
    }
    return a.getList();
  }

  /** A text field of a nested object, named in errors by its full path. */
  public static String text(JsonObject o, String path, String field, int maxLength) {
    Object v = o.getValue(field);
    if (!(v instanceof String s) || s.isBlank() || s.length() > maxLength) {
      throw ApiError.badRequest(path, "'" + path + "' is required: text of at most " + maxLength + " characters");
    }
    return s;
  }

  public static String optionalText(JsonObject o, String path, String field, int maxLength) {
    return o.getValue(field) == null ? null : text(o, path, field, maxLength);
  }

  private static String describe(Object v) {
    return v instanceof String s ? "the text \"" + (s.length() > 20 ? s.substring(0, 20) + "…" : s) + "\"" : String.valueOf(v);
  }
}
