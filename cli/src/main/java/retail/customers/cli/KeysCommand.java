package retail.customers.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.ApiKey;
import retail.customers.v1.CreateApiKeyResponse;

/** {@code customers keys list|create|revoke}: the store's API keys (an admin key's). */
@Command(name = "keys", description = "List, create and revoke the store's API keys (needs customers.admin).",
    subcommands = {KeysCommand.ListKeys.class, KeysCommand.CreateKey.class, KeysCommand.RevokeKey.class})
final class KeysCommand {
  private static final List<Output.Column<ApiKey>> COLUMNS = List.of(
      new Output.Column<>("NAME", ApiKey::getName),
      new Output.Column<>("DISPLAY NAME", ApiKey::getDisplayName),
      new Output.Column<>("PREFIX", ApiKey::getKeyPrefix),
      new Output.Column<>("SCOPES", k -> String.join(" ", k.getScopesList())),
      new Output.Column<>("EXPIRES", k -> k.hasExpireTime() ? Instant.ofEpochSecond(k.getExpireTime().getSeconds()).toString() : ""),
      new Output.Column<>("REVOKED", k -> k.hasRevokeTime() ? Instant.ofEpochSecond(k.getRevokeTime().getSeconds()).toString() : ""));

  @Command(name = "list", description = "The store's keys (never their secrets).")
  static final class ListKeys implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Option(names = "--revoked", description = "revoked keys too") boolean revoked;

    @Override
    public Integer call() {
      List<ApiKey> keys = new ArrayList<>();
      try (CustomersClient client = connection.client()) {
        client.listApiKeys(revoked).forEach(keys::add);
      }
      connection.output(spec.commandLine().getOut()).table(keys, COLUMNS);
      return 0;
    }
  }

  @Command(name = "create", description = "Create a key; its secret is printed once.")
  static final class CreateKey implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Option(names = "--name", required = true, description = "what the key is for") String displayName;
    @Option(names = "--scope", required = true, description = "customers.read, customers.write, customers.export or customers.admin (repeat)")
    List<String> scopes;
    @Option(names = "--expires", description = "when it stops working, e.g. 2027-01-31T00:00:00Z") Instant expires;

    @Override
    public Integer call() {
      CreateApiKeyResponse created;
      try (CustomersClient client = connection.client()) {
        created = client.createApiKey(displayName, scopes, expires);
      }
      Output output = connection.output(spec.commandLine().getOut());
      if (connection.json) {
        output.record(created);
      } else {
        output.note("created " + created.getApiKey().getName() + " (" + String.join(" ", created.getApiKey().getScopesList()) + ")");
        output.note("key (shown once, keep it safe): " + created.getKey());
      }
      return 0;
    }
  }

  @Command(name = "revoke", description = "Revoke a key for good: it stops working within a second everywhere.")
  static final class RevokeKey implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the key's id or apiKeys/id") String name;

    @Override
    public Integer call() {
      ApiKey revoked;
      try (CustomersClient client = connection.client()) {
        revoked = client.revokeApiKey(Names.of("apiKeys", name));
      }
      connection.output(spec.commandLine().getOut()).note("revoked " + revoked.getName());
      if (connection.json) {
        connection.output(spec.commandLine().getOut()).record(revoked);
      }
      return 0;
    }
  }
}
