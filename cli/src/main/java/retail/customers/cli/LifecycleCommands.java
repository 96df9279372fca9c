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
      try (CustomersClient client = connection.client()) {
        Customer archived = client.deleteCustomer(Names.of("customers", name));
        connection.output(spec.commandLine().getOut()).note("archived " + archived.getName());
        print(connection, spec, archived);
      }
      return 0;
    }
  }

  @Command(name = "restore", description = "Restore an archived customer.")
  static final class Restore implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the customer's id or customers/id") String name;

    @Override
    public Integer call() {
      try (CustomersClient client = connection.client()) {
        Customer restored = client.undeleteCustomer(Names.of("customers", name));
        connection.output(spec.commandLine().getOut()).note("restored " + restored.getName());
        print(connection, spec, restored);
      }
      return 0;
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
      try (CustomersClient client = connection.client()) {
        Customer erased = client.eraseCustomer(Names.of("customers", name), reason);
        connection.output(spec.commandLine().getOut()).note("erased " + erased.getName());
        print(connection, spec, erased);
      }
      return 0;
    }
  }

  /** In JSON mode the customer as it now is; for people the line above says enough. */
  private static void print(Connection connection, CommandSpec spec, Customer customer) {
    if (connection.json) {
      connection.output(spec.commandLine().getOut()).record(customer);
    }
  }
}
