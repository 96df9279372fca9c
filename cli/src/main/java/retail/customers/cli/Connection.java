package retail.customers.cli;

import java.io.File;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;
import retail.customers.client.CustomersClient;

/** Where the API is and which key to use: options every command takes, defaulted from the environment. */
public final class Connection {
  @Option(names = "--target", description = "host:port of the API (env CUSTOMERS_TARGET; default localhost:50051)")
  String target;

  @Option(names = "--key", description = "API key (env CUSTOMERS_API_KEY)")
  String key;

  @Option(names = "--plaintext", description = "connect without TLS (a local or private server only; env CUSTOMERS_PLAINTEXT=true)")
  boolean plaintext;

  @Option(names = "--ca", description = "trust servers whose certificate this CA (PEM) signed")
  File ca;

  @Option(names = "--authority", description = "the name the server's certificate carries, when not the target's host")
  String authority;

  @Option(names = "--json", description = "print JSON (one object per line) for scripts, not tables")
  boolean json;

  private Map<String, String> env = Map.of();

  void environment(Map<String, String> env) {
    this.env = env;
  }

  /** A client for this command line's options. */
  CustomersClient client() {
    String apiKey = key != null ? key : env.get("CUSTOMERS_API_KEY");
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("no API key: give --key or set CUSTOMERS_API_KEY");
    }
    CustomersClient.Builder builder = CustomersClient.builder(target != null ? target : env.getOrDefault("CUSTOMERS_TARGET", "localhost:50051"))
        .apiKey(apiKey)
        .userAgent("customers-cli/0.1.0")
        .timeout(Duration.ofSeconds(60));
    if (plaintext || "true".equalsIgnoreCase(env.get("CUSTOMERS_PLAINTEXT"))) {
      builder.usePlaintext();
    }
    if (ca != null) {
      builder.trustedCertificates(ca);
    }
    if (authority != null) {
      builder.overrideAuthority(authority);
    }
    return builder.build();
  }

  Output output(java.io.PrintWriter out) {
    return new Output(out, json);
  }
}
