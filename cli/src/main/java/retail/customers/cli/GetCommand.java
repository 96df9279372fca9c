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
import retail.customers.v1.CustomerView;
import retail.customers.v1.GetCustomerRequest;

/** {@code customers get ID [--register]}. */
@Command(name = "get", description = "Show one customer (a merged customer shows its survivor).")
final class GetCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Parameters(description = "the customer's id or customers/id")
  String name;

  @Option(names = "--register", description = "only what a register's ship-to screen shows (the API's register view):"
      + " name, etag, notes, first and last name, company, address, home phone")
  boolean register;

  @Override
  public Integer call() {
    try (CustomersClient client = connection.client()) {
      Customer customer = client.getCustomer(GetCustomerRequest.newBuilder()
          .setName(Names.of("customers", name))
          .setView(register ? CustomerView.CUSTOMER_VIEW_REGISTER : CustomerView.CUSTOMER_VIEW_FULL)
          .build());
      connection.output(spec.commandLine().getOut()).record(customer);
    }
    return 0;
  }
}
