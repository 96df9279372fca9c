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
import retail.customers.v1.DeleteTaxClassRequest;
import retail.customers.v1.TaxClass;

/**
 * {@code customers tax-classes [list|create|update|delete]}: the store's tax
 * classes; {@code tax-classes} alone lists them. Changes need customers.admin.
 */
@Command(name = "tax-classes", description = "The store's tax classes, * marking the default; create, update and delete them"
    + " (needs customers.admin).",
    subcommands = {TaxClassesCommand.ListTaxClasses.class, TaxClassesCommand.CreateTaxClass.class,
        TaxClassesCommand.UpdateTaxClass.class, TaxClassesCommand.DeleteTaxClass.class})
final class TaxClassesCommand implements Callable<Integer> {
  private static final List<Output.Column<TaxClass>> COLUMNS = List.of(
      new Output.Column<>("NAME", TaxClass::getName),
      new Output.Column<>("DISPLAY NAME", TaxClass::getDisplayName),
      new Output.Column<>("DEFAULT", t -> t.getIsDefault() ? "*" : ""));

  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return list(connection, spec);
  }

  private static int list(Connection connection, CommandSpec spec) {
    try (CustomersClient client = connection.client()) {
      connection.output(spec.commandLine().getOut()).table(client.listTaxClasses(), COLUMNS);
    }
    return 0;
  }

  @Command(name = "list", description = "The store's tax classes (as tax-classes alone).")
  static final class ListTaxClasses implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return list(connection, spec);
    }
  }

  @Command(name = "create", description = "Create a tax class. A name taken (ignoring case): exit code 5.")
  static final class CreateTaxClass implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Option(names = "--name", required = true, description = "its display name, e.g. Exempt") String displayName;
    @Option(names = "--default", description = "make it the store default (the previous default no longer is)") boolean isDefault;

    @Override
    public Integer call() {
      TaxClass created;
      try (CustomersClient client = connection.client()) {
        created = client.createTaxClass(displayName, isDefault);
      }
      connection.output(spec.commandLine().getOut()).table(List.of(created), COLUMNS);
      return 0;
    }
  }

  @Command(name = "update", description = "Rename a tax class or make it the default. Changed since --etag: exit code 5.")
  static final class UpdateTaxClass implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the tax class's id or taxClasses/id") String name;
    @Option(names = "--name", description = "a new display name") String displayName;
    @Option(names = "--default", description = "make it the store default (to change the default, make another one default)")
    boolean isDefault;
    @Option(names = "--etag", description = "only if the tax class is still at this version") String etag;

    @Override
    public Integer call() {
      TaxClass.Builder changes = TaxClass.newBuilder().setName(Names.of("taxClasses", name));
      List<String> paths = new ArrayList<>();
      if (displayName != null) {
        changes.setDisplayName(displayName);
        paths.add("display_name");
      }
      if (isDefault) {
        changes.setIsDefault(true);
        paths.add("is_default");
      }
      if (paths.isEmpty()) {
        throw new IllegalArgumentException("nothing to change: give --name or --default");
      }
      if (etag != null) {
        changes.setEtag(etag);
      }
      TaxClass updated;
      try (CustomersClient client = connection.client()) {
        updated = client.updateTaxClass(changes.build(), paths.toArray(String[]::new));
      }
      connection.output(spec.commandLine().getOut()).table(List.of(updated), COLUMNS);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a tax class. Still used by a customer or a type, or the default: exit code 5.")
  static final class DeleteTaxClass implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the tax class's id or taxClasses/id") String name;
    @Option(names = "--etag", description = "only if the tax class is still at this version") String etag;

    @Override
    public Integer call() {
      DeleteTaxClassRequest.Builder request = DeleteTaxClassRequest.newBuilder().setName(Names.of("taxClasses", name));
      if (etag != null) {
        request.setEtag(etag);
      }
      try (CustomersClient client = connection.client()) {
        client.deleteTaxClass(request.build());
      }
      connection.output(spec.commandLine().getOut()).deleted(request.getName(), null, null);
      return 0;
    }
  }
}
