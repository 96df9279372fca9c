package retail.customers.server.customertype;

import static retail.customers.server.grpc.ResourceNames.CUSTOMER_TYPES;
import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import io.grpc.stub.StreamObserver;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.CustomerTypeRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Unary;
import retail.customers.server.grpc.UpdateMasks;
import retail.customers.server.grpc.Violations;
import retail.customers.server.idempotency.IdempotentRequests;
import retail.customers.server.ids.Ids;
import retail.customers.server.paging.NamePages;
import retail.customers.server.paging.PageTokens;
import retail.customers.server.validation.Decimals;
import retail.customers.server.validation.Texts;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.DeleteCustomerTypeRequest;
import retail.customers.v1.DeleteCustomerTypeResponse;
import retail.customers.v1.GetCustomerTypeRequest;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListCustomerTypesResponse;
import retail.customers.v1.UpdateCustomerTypeRequest;

/** The CustomerTypeService API over {@link CustomerTypeRepository}. */
public final class CustomerTypeService extends CustomerTypeServiceGrpc.CustomerTypeServiceImplBase {
  private static final Set<String> WRITABLE = Set.of("display_name", "discount_percent", "tax_class");

  private final DSLContext dsl;
  private final IdempotentRequests idempotency;
  private final CustomerTypeRepository repository = new CustomerTypeRepository();

  public CustomerTypeService(DSLContext dsl, IdempotentRequests idempotency) {
    this.dsl = dsl;
    this.idempotency = idempotency;
  }

  /** The validated writable values of a request; null fields were not given. */
  private record Values(String displayName, BigDecimal discount, UUID taxClassId) {}

  private Values validate(Caller caller, CustomerType input, Set<String> paths) {
    Violations violations = new Violations();
    String displayName =
        paths.contains("display_name") ? Texts.required(violations, "customer_type.display_name", input.getDisplayName(), 100) : null;
    BigDecimal discount = null;
    if (paths.contains("discount_percent") && input.hasDiscountPercent()) {
      discount = Decimals.percent(input.getDiscountPercent()).orElse(null);
      if (discount == null) {
        violations.add("customer_type.discount_percent", Decimals.percentProblem());
      }
    }
    UUID taxClassId = null;
    if (paths.contains("tax_class") && !input.getTaxClass().isEmpty()) {
      taxClassId = ResourceNames.tryParseUuid(input.getTaxClass(), TAX_CLASSES);
      if (taxClassId == null) {
        violations.add("customer_type.tax_class", ResourceNames.describe(input.getTaxClass(), TAX_CLASSES));
      } else if (!repository.taxClassExists(dsl, caller.tenantId(), taxClassId)) {
        violations.add("customer_type.tax_class", "unknown tax class " + input.getTaxClass());
      }
    }
    violations.throwIfAny();
    return new Values(displayName, discount, taxClassId);
  }

  @Override
  public void createCustomerType(CreateCustomerTypeRequest request, StreamObserver<CustomerType> response) {
    Caller caller = Caller.current();
    Values values = validate(caller, request.getCustomerType(), WRITABLE);
    CustomerType created =
        idempotency.write(dsl, caller, request, CustomerType.parser(), r -> null,
            tx -> {
              CustomerTypeRecord row =
                  new CustomerTypeRecord()
                      .setTenantId(caller.tenantId())
                      .setId(Ids.newId())
                      .setDisplayName(values.displayName())
                      .setDiscountPercent(values.discount())
                      .setTaxClassId(values.taxClassId());
              return CustomerTypeMapper.toProto(repository.insert(tx, row), 0);
            });
    Unary.reply(response, created);
  }

  @Override
  public void getCustomerType(GetCustomerTypeRequest request, StreamObserver<CustomerType> response) {
    Caller caller = Caller.current();
    UUID id = ResourceNames.parseUuid(request.getName(), CUSTOMER_TYPES, "name");
    CustomerTypeRecord row =
        repository.find(dsl, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
    Unary.reply(response, withCount(dsl, caller, row));
  }

  @Override
  public void listCustomerTypes(ListCustomerTypesRequest request, StreamObserver<ListCustomerTypesResponse> response) {
    Caller caller = Caller.current();
    NamePages.Page<CustomerTypeRecord> page =
        NamePages.of(caller, request, request.getPageSize(), request.getPageToken(),
            (name, id, limit) -> repository.page(dsl, caller.tenantId(), name, PageTokens.uuid(id), limit),
            CustomerTypeRecord::getDisplayName, CustomerTypeRecord::getId);
    Map<UUID, Integer> counts =
        repository.customerCounts(dsl, caller.tenantId(), page.rows().stream().map(CustomerTypeRecord::getId).toList());
    Unary.reply(response, ListCustomerTypesResponse.newBuilder()
        .addAllCustomerTypes(
            page.rows().stream().map(row -> CustomerTypeMapper.toProto(row, counts.getOrDefault(row.getId(), 0))).toList())
        .setNextPageToken(page.nextPageToken())
        .build());
  }

  @Override
  public void updateCustomerType(UpdateCustomerTypeRequest request, StreamObserver<CustomerType> response) {
    Caller caller = Caller.current();
    CustomerType input = request.getCustomerType();
    UUID id = ResourceNames.parseUuid(input.getName(), CUSTOMER_TYPES, "customer_type.name");
    Set<String> paths = UpdateMasks.resolve(request.getUpdateMask(), input, WRITABLE);
    Values values = validate(caller, input, paths);
    CustomerType updated =
        idempotency.write(dsl, caller, request, CustomerType.parser(), r -> null,
            tx -> {
              CustomerTypeRecord row =
                  repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(input.getName()));
              Etags.check(input.getEtag(), row.getVersion(), input.getName());
              if (paths.contains("display_name")) {
                row.setDisplayName(values.displayName());
              }
              if (paths.contains("discount_percent")) {
                row.setDiscountPercent(values.discount());
              }
              if (paths.contains("tax_class")) {
                row.setTaxClassId(values.taxClassId());
              }
              return withCount(tx, caller, repository.update(tx, row));
            });
    Unary.reply(response, updated);
  }

  @Override
  public void deleteCustomerType(DeleteCustomerTypeRequest request, StreamObserver<DeleteCustomerTypeResponse> response) {
    Caller caller = Caller.current();
    UUID id = ResourceNames.parseUuid(request.getName(), CUSTOMER_TYPES, "name");
    UUID replacement = null;
    if (request.getInUsePolicy() == DeleteCustomerTypeRequest.InUsePolicy.REASSIGN) {
      replacement = ResourceNames.parseUuid(request.getReplacementCustomerType(), CUSTOMER_TYPES, "replacement_customer_type");
      if (replacement.equals(id)) {
        throw ApiException.invalidField("replacement_customer_type", "must be another customer type than the one deleted");
      }
    } else if (!request.getReplacementCustomerType().isEmpty()) {
      throw ApiException.invalidField("replacement_customer_type", "is only used with in_use_policy REASSIGN");
    }
    UUID target = replacement;
    DeleteCustomerTypeResponse deleted =
        idempotency.write(dsl, caller, request, DeleteCustomerTypeResponse.parser(), r -> null,
            tx -> {
              CustomerTypeRecord row =
                  repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
              Etags.check(request.getEtag(), row.getVersion(), request.getName());
              int moved =
                  switch (request.getInUsePolicy()) {
                    case REASSIGN -> {
                      if (repository.findForUpdate(tx, caller.tenantId(), target).isEmpty()) {
                        throw ApiException.invalidField(
                            "replacement_customer_type", "unknown customer type " + request.getReplacementCustomerType());
                      }
                      yield repository.reassign(tx, caller.tenantId(), id, target);
                    }
                    case DETACH_KEEP_PRICING -> repository.detachKeepingPricing(tx, row);
                    default -> {
                      int count = repository.countCustomers(tx, caller.tenantId(), id);
                      if (count > 0) {
                        throw ApiException.inUse(
                            request.getName() + " is still the type of " + count + " customer(s): deleting it would change"
                                + " their pricing; set in_use_policy to REASSIGN or DETACH_KEEP_PRICING");
                      }
                      yield 0;
                    }
                  };
              repository.delete(tx, caller.tenantId(), id);
              return DeleteCustomerTypeResponse.newBuilder().setAffectedCustomers(moved).build();
            });
    Unary.reply(response, deleted);
  }

  private CustomerType withCount(DSLContext dsl, Caller caller, CustomerTypeRecord row) {
    int count = repository.customerCounts(dsl, caller.tenantId(), List.of(row.getId())).getOrDefault(row.getId(), 0);
    return CustomerTypeMapper.toProto(row, count);
  }
}
