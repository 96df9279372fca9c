package retail.customers.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomerType;
import retail.customers.v1.TagCount;
import retail.customers.v1.TaxClass;

/** {@code customers types|tax-classes|fields|tags}: what customers are sorted and priced by. */
final class ReferenceCommands {
  private ReferenceCommands() {}

  @Command(name = "types", description = "The store's customer types, with their discount and tax class.")
  static final class Types implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (CustomersClient client = connection.client()) {
        connection.output(spec.commandLine().getOut()).table(client.listCustomerTypes(), List.of(
            new Output.Column<CustomerType>("NAME", CustomerType::getName),
            new Output.Column<CustomerType>("DISPLAY NAME", CustomerType::getDisplayName),
            new Output.Column<CustomerType>("DISCOUNT %", CustomerType::getDiscountPercent),
            new Output.Column<CustomerType>("TAX CLASS", CustomerType::getTaxClass)));
      }
      return 0;
    }
  }

  @Command(name = "tax-classes", description = "The store's tax classes; * marks the default.")
  static final class TaxClasses implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (CustomersClient client = connection.client()) {
        connection.output(spec.commandLine().getOut()).table(client.listTaxClasses(), List.of(
            new Output.Column<TaxClass>("NAME", TaxClass::getName),
            new Output.Column<TaxClass>("DISPLAY NAME", TaxClass::getDisplayName),
            new Output.Column<TaxClass>("DEFAULT", t -> t.getIsDefault() ? "*" : "")));
      }
      return 0;
    }
  }

  @Command(name = "fields", description = "The store's custom fields.")
  static final class Fields implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (CustomersClient client = connection.client()) {
        connection.output(spec.commandLine().getOut()).table(client.listCustomFields(), List.of(
            new Output.Column<CustomField>("NAME", CustomField::getName),
            new Output.Column<CustomField>("DISPLAY NAME", CustomField::getDisplayName),
            new Output.Column<CustomField>("TYPE", f -> f.getValueType().name().replace("VALUE_TYPE_", "").toLowerCase(java.util.Locale.ROOT)),
            new Output.Column<CustomField>("REQUIRED", f -> f.getRequired() ? "yes" : "")));
      }
      return 0;
    }
  }

  @Command(name = "tags", description = "The store's tags (those starting with PREFIX), each with its number of customers.")
  static final class Tags implements Callable<Integer> {
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
}
