package retail.customers.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.SearchCustomersRequest;

/** {@code customers search "smith" --tag vip --not-tag wholesale --type ID --sort last-name}. */
@Command(name = "search", description = "Find customers by words (names, phones, e-mails, postal codes...) and filters.")
final class SearchCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", description = "words every customer found must match; none: every customer")
  String query = "";

  @Option(names = "--tag", description = "only customers with this tag (repeat: with all of them)")
  List<String> tags = new ArrayList<>();

  @Option(names = "--not-tag", description = "no customer with this tag")
  List<String> notTags = new ArrayList<>();

  @Option(names = "--type", description = "only customers of this customer type (id or customerTypes/id; repeat: any of them)")
  List<String> types = new ArrayList<>();

  @Option(names = "--sort", description = "last-name, first-name, company, created or updated; add -desc for descending")
  String sort;

  @Option(names = "--limit", defaultValue = "50", description = "at most this many customers (default ${DEFAULT-VALUE})")
  int limit;

  @Option(names = "--archived", description = "archived customers too")
  boolean archived;

  @Override
  public Integer call() {
    SearchCustomersRequest.Builder request = SearchCustomersRequest.newBuilder()
        .setQuery(query)
        .setPageSize(Math.min(Math.max(limit, 1), 1000))
        .setShowDeleted(archived)
        .setFilter(CustomerFilter.newBuilder().addAllTagsAll(tags).addAllTagsNone(notTags)
            .addAllCustomerTypes(types.stream().map(t -> Names.of("customerTypes", t)).toList()));
    if (sort != null) {
      request.setOrderBy(orderBy(sort));
    }
    try (CustomersClient client = connection.client()) {
      var found = StreamSupport.stream(client.searchCustomers(request.build()).spliterator(), false).limit(limit).toList();
      connection.output(spec.commandLine().getOut()).table(found, Output.CUSTOMER_COLUMNS);
    }
    return 0;
  }

  /** The API's order_by from the command's spelling: last-name-desc is "last_name desc". */
  static String orderBy(String sort) {
    boolean descending = sort.endsWith("-desc");
    String field = descending ? sort.substring(0, sort.length() - "-desc".length()) : sort;
    String api = switch (field) {
      case "last-name" -> "last_name";
      case "first-name" -> "first_name";
      case "company" -> "company";
      case "created" -> "create_time";
      case "updated" -> "update_time";
      default -> throw new IllegalArgumentException(
          "--sort " + sort + " is not a sort: last-name, first-name, company, created or updated, with -desc for descending");
    };
    return descending ? api + " desc" : api;
  }
}
