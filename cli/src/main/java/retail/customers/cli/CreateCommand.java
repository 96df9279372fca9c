package retail.customers.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.Customer;

/** {@code customers create --first ... --last ... --mobile ...}. */
@Command(name = "create", description = "Create a customer (sent once, however often the network makes it retry).")
final class CreateCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Option(names = "--first", description = "first name") String first;
  @Option(names = "--last", description = "last name") String last;
  @Option(names = "--company", description = "company") String company;
  @Option(names = "--email", description = "e-mail") String email;
  @Option(names = "--mobile", description = "mobile phone, in any common form") String mobile;
  @Option(names = "--phone", description = "home phone") String phone;
  @Option(names = "--tag", description = "a tag (repeat for more)") List<String> tags = new ArrayList<>();
  @Option(names = "--set", description = "any other field, as for update: field=value (repeat)") List<String> sets = new ArrayList<>();

  @Override
  public Integer call() {
    Customer.Builder customer = Customer.newBuilder();
    if (first != null) {
      customer.setFirstName(first);
    }
    if (last != null) {
      customer.setLastName(last);
    }
    if (company != null) {
      customer.setCompany(company);
    }
    if (email != null) {
      customer.setEmail(email);
    }
    if (mobile != null) {
      customer.setMobilePhone(mobile);
    }
    if (phone != null) {
      customer.setHomePhone(phone);
    }
    customer.addAllTags(tags);
    Fields.apply(customer, sets);
    try (CustomersClient client = connection.client()) {
      connection.output(spec.commandLine().getOut()).record(client.createCustomer(customer.build()));
    }
    return 0;
  }
}
