package retail.customers.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.TagCount;

/** {@code customers tags [PREFIX]}: the labels on the store's customers. */
@Command(name = "tags", description = "The store's tags (those starting with PREFIX), each with its number of customers.")
final class TagsCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;
  @Parameters(arity = "0..1", description = "only tags starting with this") String prefix = "";

  @Override
  public Integer call() {
    try (CustomersClient client = connection.client()) {
      connection.output(spec.commandLine().getOut()).table(client.listTags(prefix), List.of(
          new Output.Column<TagCount>("TAG", TagCount::getTag),
          new Output.Column<TagCount>("CUSTOMERS", t -> Long.toString(t.getCustomerCount()))));
    }
    return 0;
  }
}
