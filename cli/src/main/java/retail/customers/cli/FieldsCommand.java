package retail.customers.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.CustomField;
import retail.customers.v1.DeleteCustomFieldRequest;

/**
 * {@code customers fields [list|create|update|delete]}: the store's custom
 * fields; {@code fields} alone lists them. Changes need customers.admin.
 */
@Command(name = "fields", description = "The store's custom fields; create, update and delete them (needs customers.admin).",
    subcommands = {FieldsCommand.ListFields.class, FieldsCommand.CreateField.class, FieldsCommand.UpdateField.class,
        FieldsCommand.DeleteField.class})
final class FieldsCommand implements Callable<Integer> {
  private static final List<Output.Column<CustomField>> COLUMNS = List.of(
      new Output.Column<>("NAME", CustomField::getName),
      new Output.Column<>("DISPLAY NAME", CustomField::getDisplayName),
      new Output.Column<>("TYPE", f -> f.getValueType().name().replace("VALUE_TYPE_", "").toLowerCase(Locale.ROOT)),
      new Output.Column<>("OPTIONS", f -> String.join(",", f.getOptionsList())),
      new Output.Column<>("REQUIRED", f -> f.getRequired() ? "yes" : ""));

  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return list(connection, spec);
  }

  private static int list(Connection connection, CommandSpec spec) {
    try (CustomersClient client = connection.client()) {
      connection.output(spec.commandLine().getOut()).table(client.listCustomFields(), COLUMNS);
    }
    return 0;
  }

  /** A value type as the list shows it ({@code single_choice}), or {@code choice} for short. */
  static CustomField.ValueType valueType(String typed) {
    String type = typed.toUpperCase(Locale.ROOT).replace('-', '_');
    if (type.equals("CHOICE")) {
      return CustomField.ValueType.SINGLE_CHOICE;
    }
    try {
      CustomField.ValueType valueType = CustomField.ValueType.valueOf(type);
      if (valueType != CustomField.ValueType.VALUE_TYPE_UNSPECIFIED) {
        return valueType;
      }
    } catch (IllegalArgumentException e) {
      // said below
    }
    throw new IllegalArgumentException("--type " + typed + ": text, number, boolean, date or single_choice");
  }

  @Command(name = "list", description = "The store's custom fields (as fields alone).")
  static final class ListFields implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return list(connection, spec);
    }
  }

  @Command(name = "create", description = "Define a custom field; customers keep its values under its id. An id or name taken:"
      + " exit code 5.")
  static final class CreateField implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "its id: lower-case letters, digits and _, starting with a letter, e.g. shoe_size") String id;
    @Option(names = "--name", required = true, description = "the label users see, e.g. \"Shoe size\"") String displayName;
    @Option(names = "--type", required = true, description = "text, number, boolean, date or single_choice") String type;
    @Option(names = "--option", description = "for single_choice: an allowed value (repeat)") List<String> options = new ArrayList<>();
    @Option(names = "--required", description = "no customer may be without a value") boolean required;

    @Override
    public Integer call() {
      CustomField field = CustomField.newBuilder().setDisplayName(displayName).setValueType(valueType(type)).addAllOptions(options)
          .setRequired(required).build();
      CustomField created;
      try (CustomersClient client = connection.client()) {
        created = client.createCustomField(id.startsWith("customFields/") ? id.substring("customFields/".length()) : id, field);
      }
      connection.output(spec.commandLine().getOut()).table(List.of(created), COLUMNS);
      return 0;
    }
  }

  @Command(name = "update", description = "Rename a custom field, change its options or whether it is required (its type cannot"
      + " change). An option removed that customers have, or changed since --etag: exit code 5.")
  static final class UpdateField implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the field's id or customFields/id") String name;
    @Option(names = "--name", description = "a new label") String displayName;
    @Option(names = "--option", description = "for single_choice: every allowed value from now on (repeat)") List<String> options;
    @Option(names = "--required", arity = "1", description = "true or false") Boolean required;
    @Option(names = "--etag", description = "only if the field is still at this version") String etag;

    @Override
    public Integer call() {
      CustomField.Builder changes = CustomField.newBuilder().setName(Names.of("customFields", name));
      List<String> paths = new ArrayList<>();
      if (displayName != null) {
        changes.setDisplayName(displayName);
        paths.add("display_name");
      }
      if (options != null) {
        changes.addAllOptions(options);
        paths.add("options");
      }
      if (required != null) {
        changes.setRequired(required);
        paths.add("required");
      }
      if (paths.isEmpty()) {
        throw new IllegalArgumentException("nothing to change: give --name, --option or --required");
      }
      if (etag != null) {
        changes.setEtag(etag);
      }
      CustomField updated;
      try (CustomersClient client = connection.client()) {
        updated = client.updateCustomField(changes.build(), paths.toArray(String[]::new));
      }
      connection.output(spec.commandLine().getOut()).table(List.of(updated), COLUMNS);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a custom field. Customers have values for it and no --force: exit code 5.")
  static final class DeleteField implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;
    @Parameters(description = "the field's id or customFields/id") String name;
    @Option(names = "--force", description = "delete it even if customers have values, removing them") boolean force;
    @Option(names = "--etag", description = "only if the field is still at this version") String etag;

    @Override
    public Integer call() {
      DeleteCustomFieldRequest.Builder request = DeleteCustomFieldRequest.newBuilder().setName(Names.of("customFields", name))
          .setForce(force);
      if (etag != null) {
        request.setEtag(etag);
      }
      long affected;
      try (CustomersClient client = connection.client()) {
        affected = client.deleteCustomField(request.build());
      }
      connection.output(spec.commandLine().getOut()).deleted(request.getName(), affected, "cleared");
      return 0;
    }
  }
}
