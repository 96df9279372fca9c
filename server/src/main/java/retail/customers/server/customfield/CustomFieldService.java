package retail.customers.server.customfield;

import static retail.customers.server.grpc.ResourceNames.CUSTOM_FIELDS;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.CustomFieldRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Unary;
import retail.customers.server.grpc.UpdateMasks;
import retail.customers.server.grpc.Violations;
import retail.customers.server.idempotency.IdempotentRequests;
import retail.customers.server.paging.NamePages;
import retail.customers.server.validation.Texts;
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.DeleteCustomFieldRequest;
import retail.customers.v1.DeleteCustomFieldResponse;
import retail.customers.v1.GetCustomFieldRequest;
import retail.customers.v1.ListCustomFieldsRequest;
import retail.customers.v1.ListCustomFieldsResponse;
import retail.customers.v1.UpdateCustomFieldRequest;

/** The CustomFieldService API over {@link CustomFieldRepository}. */
public final class CustomFieldService extends CustomFieldServiceGrpc.CustomFieldServiceImplBase {
  private static final Set<String> WRITABLE = Set.of("display_name", "options", "required");
  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]{0,62}");

  private final DSLContext dsl;
  private final IdempotentRequests idempotency;
  private final CustomFieldDefinitions definitions;
  private final CustomFieldRepository repository = new CustomFieldRepository();

  public CustomFieldService(DSLContext dsl, IdempotentRequests idempotency, CustomFieldDefinitions definitions) {
    this.dsl = dsl;
    this.idempotency = idempotency;
    this.definitions = definitions;
  }

  @Override
  public void createCustomField(CreateCustomFieldRequest request, StreamObserver<CustomField> response) {
    Caller caller = Caller.current();
    CustomField input = request.getCustomField();
    Violations violations = new Violations();
    if (!ID.matcher(request.getCustomFieldId()).matches()) {
      violations.add(
          "custom_field_id", "must be 1 to 63 lower-case letters, digits and underscores, starting with a letter, e.g. shoe_size");
    }
    String displayName = Texts.required(violations, "custom_field.display_name", input.getDisplayName(), 100);
    if (input.getValueType() == CustomField.ValueType.VALUE_TYPE_UNSPECIFIED
        || input.getValueType() == CustomField.ValueType.UNRECOGNIZED) {
      violations.add("custom_field.value_type", "is required: TEXT, NUMBER, BOOLEAN, DATE or SINGLE_CHOICE");
    }
    List<String> options = checkOptions(violations, input.getValueType(), input.getOptionsList());
    violations.throwIfAny();
    CustomField created =
        idempotency.write(dsl, caller, request, CustomField.parser(), r -> null,
            tx -> {
              CustomFieldRecord row =
                  new CustomFieldRecord()
                      .setTenantId(caller.tenantId())
                      .setId(request.getCustomFieldId())
                      .setDisplayName(displayName)
                      .setValueType(input.getValueType().name())
                      .setOptions(options.toArray(String[]::new))
                      .setRequired(input.getRequired());
              return CustomFieldMapper.toProto(repository.insert(tx, row));
            });
    definitions.invalidate(caller.tenantId());
    Unary.reply(response, created);
  }

  @Override
  public void getCustomField(GetCustomFieldRequest request, StreamObserver<CustomField> response) {
    Caller caller = Caller.current();
    String id = ResourceNames.parseId(request.getName(), CUSTOM_FIELDS, "name");
    CustomFieldRecord row =
        repository.find(dsl, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
    Unary.reply(response, CustomFieldMapper.toProto(row));
  }

  @Override
  public void listCustomFields(ListCustomFieldsRequest request, StreamObserver<ListCustomFieldsResponse> response) {
    Caller caller = Caller.current();
    NamePages.Page<CustomFieldRecord> page =
        NamePages.of(caller, request, request.getPageSize(), request.getPageToken(),
            (name, id, limit) -> repository.page(dsl, caller.tenantId(), name, id, limit),
            CustomFieldRecord::getDisplayName, CustomFieldRecord::getId);
    Unary.reply(response, ListCustomFieldsResponse.newBuilder()
        .addAllCustomFields(page.rows().stream().map(CustomFieldMapper::toProto).toList())
        .setNextPageToken(page.nextPageToken())
        .build());
  }

  @Override
  public void updateCustomField(UpdateCustomFieldRequest request, StreamObserver<CustomField> response) {
    Caller caller = Caller.current();
    CustomField input = request.getCustomField();
    String id = ResourceNames.parseId(input.getName(), CUSTOM_FIELDS, "custom_field.name");
    if (request.getUpdateMask().getPathsList().contains("value_type")) {
      throw ApiException.invalidField("update_mask", "value_type cannot change: create a new field instead");
    }
    Set<String> paths = UpdateMasks.resolve(request.getUpdateMask(), input, WRITABLE);
    Violations violations = new Violations();
    String displayName =
        paths.contains("display_name") ? Texts.required(violations, "custom_field.display_name", input.getDisplayName(), 100) : null;
    violations.throwIfAny();
    CustomField updated =
        idempotency.write(dsl, caller, request, CustomField.parser(), r -> null,
            tx -> {
              CustomFieldRecord row =
                  repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(input.getName()));
              Etags.check(input.getEtag(), row.getVersion(), input.getName());
              // An empty mask ("the fields set") or "*" carrying another type asks to change it:
              // refuse it, as with value_type in the mask, rather than silently keep the old type.
              boolean implicit = request.getUpdateMask().getPathsCount() == 0 || request.getUpdateMask().getPathsList().contains("*");
              if (implicit && input.getValueType() != CustomField.ValueType.VALUE_TYPE_UNSPECIFIED
                  && !input.getValueType().name().equals(row.getValueType())) {
                throw ApiException.invalidField("custom_field.value_type", "cannot change: create a new field instead");
              }
              if (displayName != null) {
                row.setDisplayName(displayName);
              }
              if (paths.contains("required")) {
                row.setRequired(input.getRequired());
              }
              if (paths.contains("options")) {
                CustomField.ValueType type = CustomField.ValueType.valueOf(row.getValueType());
                Violations optionViolations = new Violations();
                List<String> options = checkOptions(optionViolations, type, input.getOptionsList());
                optionViolations.throwIfAny();
                Set<String> removed = new HashSet<>(List.of(row.getOptions()));
                removed.removeAll(options);
                int inUse = removed.isEmpty() ? 0 : repository.countChoices(tx, caller.tenantId(), id, removed);
                if (inUse > 0) {
                  throw ApiException.inUse(
                      inUse + " customer(s) still have a removed option of " + input.getName() + ": change their values first");
                }
                row.setOptions(options.toArray(String[]::new));
              }
              return CustomFieldMapper.toProto(repository.update(tx, row));
            });
    definitions.invalidate(caller.tenantId());
    Unary.reply(response, updated);
  }

  @Override
  public void deleteCustomField(DeleteCustomFieldRequest request, StreamObserver<DeleteCustomFieldResponse> response) {
    Caller caller = Caller.current();
    String id = ResourceNames.parseId(request.getName(), CUSTOM_FIELDS, "name");
    DeleteCustomFieldResponse deleted =
        idempotency.write(dsl, caller, request, DeleteCustomFieldResponse.parser(), r -> null,
            tx -> {
              CustomFieldRecord row =
                  repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
              Etags.check(request.getEtag(), row.getVersion(), request.getName());
              int removed;
              if (request.getForce()) {
                removed = repository.removeValues(tx, caller.tenantId(), id);
              } else {
                int withValues = repository.countValues(tx, caller.tenantId(), id);
                if (withValues > 0) {
                  throw ApiException.inUse(
                      withValues + " customer(s) have a value for " + request.getName()
                          + ": set force to delete the field with their values");
                }
                removed = 0;
              }
              repository.delete(tx, caller.tenantId(), id);
              return DeleteCustomFieldResponse.newBuilder().setAffectedCustomers(removed).build();
            });
    definitions.invalidate(caller.tenantId());
    Unary.reply(response, deleted);
  }

  /** The options, trimmed, if they suit the type; violations otherwise. */
  private static List<String> checkOptions(Violations violations, CustomField.ValueType type, List<String> given) {
    List<String> options = new ArrayList<>();
    if (type != CustomField.ValueType.SINGLE_CHOICE) {
      if (!given.isEmpty()) {
        violations.add("custom_field.options", "only SINGLE_CHOICE fields have options");
      }
      return options;
    }
    if (given.isEmpty() || given.size() > 100) {
      violations.add("custom_field.options", "a SINGLE_CHOICE field needs 1 to 100 options");
      return options;
    }
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < given.size(); i++) {
      String option = Texts.required(violations, "custom_field.options[" + i + "]", given.get(i), 100);
      if (!option.isEmpty() && !seen.add(option)) {
        violations.add("custom_field.options[" + i + "]", "repeats the option \"" + option + "\"");
      }
    }
    options.addAll(seen);
    return options;
  }
}
