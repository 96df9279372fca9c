package retail.customers.cli;

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
import retail.customers.v1.Customer;

/** {@code customers update ID --set email=... [--etag E]}. */
@Command(name = "update", description = "Change fields of a customer: --set field=value (empty value: clear it).")
final class UpdateCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Parameters(description = "the customer's id or customers/id")
  String name;

  @Option(names = "--set", required = true, description = "field=value, e.g. email=betty@example.com, address.city=Laval, tags=vip,staff")
  List<String> sets = new ArrayList<>();

  @Option(names = "--etag", description = "only if the customer is still at this version (from get)")
  String etag;

  @Override
  public Integer call() {
    Customer.Builder changes = Customer.newBuilder().setName(Names.of("customers", name));
    if (etag != null) {
      changes.setEtag(etag);
    }
    List<String> paths = Fields.apply(changes, sets);
    try (CustomersClient client = connection.client()) {
      connection.output(spec.commandLine().getOut()).record(client.updateCustomer(changes.build(), paths.toArray(String[]::new)));
    }
    return 0;
  }
}
