package retail.customers.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.Customer;

/** {@code customers archive|restore|erase ID}. */
final class LifecycleCommands {
  private LifecycleCommands() {}

  @Command(name = "archive", description = "Archive a customer (restore undoes it).")
  static final class Archive implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the customer's id or customers/id") String name;

    @Override
    public Integer call() {
      return done(connection, spec, "archived", client -> client.deleteCustomer(Names.of("customers", name)));
    }
  }

  @Command(name = "restore", description = "Restore an archived customer.")
  static final class Restore implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the customer's id or customers/id") String name;

    @Override
    public Integer call() {
      return done(connection, spec, "restored", client -> client.undeleteCustomer(Names.of("customers", name)));
    }
  }

  @Command(name = "erase", description = "Erase a customer's personal data for good (a right-to-erasure request).")
  static final class Erase implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the customer's id or customers/id") String name;
    @Option(names = "--reason", required = true, description = "why, for the audit trail (no personal data)") String reason;

    @Override
    public Integer call() {
      return done(connection, spec, "erased", client -> client.eraseCustomer(Names.of("customers", name), reason));
    }
  }

  /**
   * Runs the change and says what it did: for people one line ("archived
   * customers/..."), in JSON mode the customer as it now is.
   */
  private static int done(Connection connection, CommandSpec spec, String what, java.util.function.Function<CustomersClient, Customer> change) {
    Customer customer;
    try (CustomersClient client = connection.client()) {
      customer = change.apply(client);
    }
    Output output = connection.output(spec.commandLine().getOut());
    if (connection.json) {
      output.record(customer);
    } else {
      output.note(what + " " + customer.getName());
    }
    return 0;
  }
}
