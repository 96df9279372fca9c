package retail.customers.cli;

import java.math.BigDecimal;
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
import retail.customers.client.Values;
import retail.customers.v1.CustomerType;
import retail.customers.v1.DeleteCustomerTypeRequest;

/**
 * {@code customers types [list|create|update|delete]}: the store's customer
 * types; {@code types} alone lists them. Changes need customers.admin.
 */
@Command(name = "types", description = "The store's customer types, with their discount and tax class; create, update and delete"
    + " them (needs customers.admin).",
    subcommands = {TypesCommand.ListTypes.class, TypesCommand.CreateType.class, TypesCommand.UpdateType.class,
        TypesCommand.DeleteType.class})
final class TypesCommand implements Callable<Integer> {
  private static final List<Output.Column<CustomerType>> COLUMNS = List.of(
      new Output.Column<>("NAME", CustomerType::getName),
      new Output.Column<>("DISPLAY NAME", CustomerType::getDisplayName),
      new Output.Column<>("DISCOUNT %", CustomerType::getDiscountPercent),
      new Output.Column<>("TAX CLASS", CustomerType::getTaxClass));

  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return list(connection, spec);
  }

  private static int list(Connection connection, CommandSpec spec) {
    try (CustomersClient client = connection.client()) {
      connection.output(spec.commandLine().getOut()).table(client.listCustomerTypes(), COLUMNS);
    }
    return 0;
  }

  @Command(name = "list", description = "The store's customer types (as types alone).")
  static final class ListTypes implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return list(connection, spec);
    }
  }

  @Command(name = "create", description = "Create a customer type. A name taken (ignoring case): exit code 5.")
  static final class CreateType implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Option(names = "--name", required = true, description = "its display name, e.g. Student") String displayName;
    @Option(names = "--discount", description = "its customers' discount in percent, 0 to 100, e.g. 12.5 (default: none)")
    BigDecimal discount;
    @Option(names = "--tax-class", description = "its customers' tax class, id or taxClasses/id (default: the store's)") String taxClass;

    @Override
    public Integer call() {
      CustomerType created;
      try (CustomersClient client = connection.client()) {
        created = client.createCustomerType(displayName, discount, taxClass == null ? null : Names.of("taxClasses", taxClass));
      }
      connection.output(spec.commandLine().getOut()).table(List.of(created), COLUMNS);
      return 0;
    }
  }

  @Command(name = "update", description = "Change a customer type; its customers' pricing follows at once. Changed since --etag:"
      + " exit code 5.")
  static final class UpdateType implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the type's id or customerTypes/id") String name;
    @Option(names = "--name", description = "a new display name") String displayName;
    @Option(names = "--discount", description = "a new discount in percent") BigDecimal discount;
    @Option(names = "--no-discount", description = "no discount of its own any more") boolean noDiscount;
    @Option(names = "--tax-class", description = "a new tax class, id or taxClasses/id") String taxClass;
    @Option(names = "--no-tax-class", description = "no tax class of its own any more (the store's applies)") boolean noTaxClass;
    @Option(names = "--etag", description = "only if the type is still at this version") String etag;

    @Override
    public Integer call() {
      if (discount != null && noDiscount || taxClass != null && noTaxClass) {
        throw new IllegalArgumentException("give a new value or --no-..., not both");
      }
      CustomerType.Builder changes = CustomerType.newBuilder().setName(Names.of("customerTypes", name));
      List<String> paths = new ArrayList<>();
      if (displayName != null) {
        changes.setDisplayName(displayName);
        paths.add("display_name");
      }
      if (discount != null) {
        changes.setDiscountPercent(Values.decimal(discount));
      }
      if (discount != null || noDiscount) {
        paths.add("discount_percent");
      }
      if (taxClass != null) {
        changes.setTaxClass(Names.of("taxClasses", taxClass));
      }
      if (taxClass != null || noTaxClass) {
        paths.add("tax_class");
      }
      if (paths.isEmpty()) {
        throw new IllegalArgumentException("nothing to change: give --name, --discount, --no-discount, --tax-class or --no-tax-class");
      }
      if (etag != null) {
        changes.setEtag(etag);
      }
      CustomerType updated;
      try (CustomersClient client = connection.client()) {
        updated = client.updateCustomerType(changes.build(), paths.toArray(String[]::new));
      }
      connection.output(spec.commandLine().getOut()).table(List.of(updated), COLUMNS);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a customer type. Customers still have it and neither --reassign-to nor --detach"
      + " is given: exit code 5, the message says how many.")
  static final class DeleteType implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the type's id or customerTypes/id") String name;
    @Option(names = "--reassign-to", description = "move its customers to this type (id or customerTypes/id)") String replacement;
    @Option(names = "--detach", description = "leave its customers without a type, keeping its discount and tax class as their own")
    boolean detach;
    @Option(names = "--etag", description = "only if the type is still at this version") String etag;

    @Override
    public Integer call() {
      if (replacement != null && detach) {
        throw new IllegalArgumentException("--reassign-to or --detach, not both");
      }
      DeleteCustomerTypeRequest.Builder request = DeleteCustomerTypeRequest.newBuilder().setName(Names.of("customerTypes", name));
      if (replacement != null) {
        request.setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.REASSIGN)
            .setReplacementCustomerType(Names.of("customerTypes", replacement));
      } else if (detach) {
        request.setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.DETACH_KEEP_PRICING);
      }
      if (etag != null) {
        request.setEtag(etag);
      }
      long affected;
      try (CustomersClient client = connection.client()) {
        affected = client.deleteCustomerType(request.build());
      }
      connection.output(spec.commandLine().getOut()).deleted(request.getName(), affected,
          replacement != null ? "reassigned" : "detached");
      return 0;
    }
  }
}
