package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /openapi.yaml and the router must name the same routes: a missing or an invented route fails here. */
class RoutesMatchOpenApiTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
    Router router = new HttpVerticle(new ServerConfig("localhost", 0, null, null, false, null, null), null)
        .router(vertx);
    Set<String> routed = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      if (path == null || route.methods() == null || route.methods().isEmpty() || path.endsWith("*")) {
        continue;   // body, auth, static files and fallbacks
      }
      for (HttpMethod method : route.methods()) {
        routed.add(method.name().toLowerCase() + " " + path.replaceAll(":(\\w+)", "{$1}"));
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>)
        new ObjectMapper(new YAMLFactory()).readValue(OpenApi.document(), Map.class).get("paths");
    Set<String> documented = new TreeSet<>();
    paths.forEach((path, operations) -> operations.keySet().stream()
        .filter(m -> Set.of("get", "post", "put", "patch", "delete").contains(m))
        .forEach(m -> documented.add(m + " " + path)));
    assertThat(routed).as("routes of the router").isNotEmpty();
    assertThat(documented).as("routes in /openapi.yaml").isEqualTo(routed);
  }
}
