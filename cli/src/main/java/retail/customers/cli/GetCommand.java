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

/** {@code customers get ID [--register]}. */
@Command(name = "get", description = "Show one customer (a merged customer shows its survivor).")
final class GetCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Parameters(description = "the customer's id or customers/id")
  String name;

  @Option(names = "--register", description = "only what a register shows: name, company, phone, address")
  boolean register;

  @Override
  public Integer call() {
    try (CustomersClient client = connection.client()) {
      Customer customer = client.getCustomer(Names.of("customers", name));
      if (register) {
        customer = Customer.newBuilder().setName(customer.getName()).setFirstName(customer.getFirstName())
            .setLastName(customer.getLastName()).setCompany(customer.getCompany()).setMobilePhone(customer.getMobilePhone())
            .setHomePhone(customer.getHomePhone()).setAddress(customer.getAddress()).build();
      }
      connection.output(spec.commandLine().getOut()).record(customer);
    }
    return 0;
  }
}
