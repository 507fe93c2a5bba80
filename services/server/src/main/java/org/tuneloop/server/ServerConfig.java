package org.tuneloop.server;

import java.nio.file.Path;

/**
 * Everything `study serve` was told, parsed once in main.
 *
 * @param databaseUrl owner URL of an external PostgreSQL, or null for the embedded one
 * @param dataDirectory where the embedded PostgreSQL keeps its data
 * @param publicUrl   how people reach this server, for the links it prints; null means http://localhost:port
 */
public record ServerConfig(String host, int port, String databaseUrl, Path dataDirectory, boolean demo,
                           String publicUrl, String appRolePassword) {

  public ServerConfig withPort(int actualPort) {
    return new ServerConfig(host, actualPort, databaseUrl, dataDirectory, demo, publicUrl, appRolePassword);
  }

  public String publicUrl() {
    return publicUrl != null ? publicUrl : "http://localhost:" + port;
  }
}
