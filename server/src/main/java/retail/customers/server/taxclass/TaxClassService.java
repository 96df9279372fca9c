package retail.customers.server.taxclass;

import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.TaxClassRecord;
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
import retail.customers.server.validation.Texts;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.DeleteTaxClassRequest;
import retail.customers.v1.DeleteTaxClassResponse;
import retail.customers.v1.GetTaxClassRequest;
import retail.customers.v1.ListTaxClassesRequest;
import retail.customers.v1.ListTaxClassesResponse;
import retail.customers.v1.TaxClass;
import retail.customers.v1.TaxClassServiceGrpc;
import retail.customers.v1.UpdateTaxClassRequest;

/** The TaxClassService API over {@link TaxClassRepository}. */
public final class TaxClassService extends TaxClassServiceGrpc.TaxClassServiceImplBase {
  private static final Set<String> WRITABLE = Set.of("display_name", "is_default");

  private final DSLContext dsl;
  private final IdempotentRequests idempotency;
  private final TaxClassRepository repository = new TaxClassRepository();

  public TaxClassService(DSLContext dsl, IdempotentRequests idempotency) {
    this.dsl = dsl;
    this.idempotency = idempotency;
  }

  @Override
  public void createTaxClass(CreateTaxClassRequest request, StreamObserver<TaxClass> response) {
    Caller caller = Caller.current();
    Violations violations = new Violations();
    String displayName = Texts.required(violations, "tax_class.display_name", request.getTaxClass().getDisplayName(), 100);
    violations.throwIfAny();
    TaxClass created =
        idempotency.write(dsl, caller, request, TaxClass.parser(), r -> null,
            tx -> {
              if (request.getTaxClass().getIsDefault()) {
                repository.clearDefault(tx, caller.tenantId());
              }
              TaxClassRecord row =
                  new TaxClassRecord()
                      .setTenantId(caller.tenantId())
                      .setId(Ids.newId())
                      .setDisplayName(displayName)
                      .setIsDefault(request.getTaxClass().getIsDefault());
              return TaxClassMapper.toProto(repository.insert(tx, row));
            });
    Unary.reply(response, created);
  }

  @Override
  public void getTaxClass(GetTaxClassRequest request, StreamObserver<TaxClass> response) {
    Caller caller = Caller.current();
    UUID id = ResourceNames.parseUuid(request.getName(), TAX_CLASSES, "name");
    TaxClassRecord row =
        repository.find(dsl, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
    Unary.reply(response, TaxClassMapper.toProto(row));
  }

  @Override
  public void listTaxClasses(ListTaxClassesRequest request, StreamObserver<ListTaxClassesResponse> response) {
    Caller caller = Caller.current();
    NamePages.Page<TaxClassRecord> page =
        NamePages.of(caller, request, request.getPageSize(), request.getPageToken(),
            (name, id, limit) -> repository.page(dsl, caller.tenantId(), name, PageTokens.uuid(id), limit),
            TaxClassRecord::getDisplayName, TaxClassRecord::getId);
    Unary.reply(response, ListTaxClassesResponse.newBuilder()
        .addAllTaxClasses(page.rows().stream().map(TaxClassMapper::toProto).toList())
        .setNextPageToken(page.nextPageToken())
        .build());
  }

  @Override
  public void updateTaxClass(UpdateTaxClassRequest request, StreamObserver<TaxClass> response) {
    Caller caller = Caller.current();
    TaxClass input = request.getTaxClass();
    UUID id = ResourceNames.parseUuid(input.getName(), TAX_CLASSES, "tax_class.name");
    Set<String> paths = UpdateMasks.resolve(request.getUpdateMask(), input, WRITABLE);
    Violations violations = new Violations();
    String displayName =
        paths.contains("display_name") ? Texts.required(violations, "tax_class.display_name", input.getDisplayName(), 100) : null;
    violations.throwIfAny();
    TaxClass updated =
        idempotency.write(dsl, caller, request, TaxClass.parser(), r -> null,
            tx -> {
              TaxClassRecord row =
                  repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(input.getName()));
              Etags.check(input.getEtag(), row.getVersion(), input.getName());
              if (displayName != null) {
                row.setDisplayName(displayName);
              }
              if (paths.contains("is_default") && input.getIsDefault() != row.getIsDefault()) {
                if (!input.getIsDefault()) {
                  throw ApiException.invalidState(
                      input.getName() + " is the store default: make another tax class the default instead");
                }
                repository.clearDefault(tx, caller.tenantId());
                row.setIsDefault(true);
              }
              return TaxClassMapper.toProto(repository.update(tx, row));
            });
    Unary.reply(response, updated);
  }

  @Override
  public void deleteTaxClass(DeleteTaxClassRequest request, StreamObserver<DeleteTaxClassResponse> response) {
    Caller caller = Caller.current();
    UUID id = ResourceNames.parseUuid(request.getName(), TAX_CLASSES, "name");
    DeleteTaxClassResponse deleted =
        idempotency.write(dsl, caller, request, DeleteTaxClassResponse.parser(), r -> null,
            tx -> {
              TaxClassRecord row =
                  repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
              Etags.check(request.getEtag(), row.getVersion(), request.getName());
              if (row.getIsDefault()) {
                throw ApiException.inUse(request.getName() + " is the store default: make another tax class the default first");
              }
              TaxClassRepository.Usage usage = repository.usage(tx, caller.tenantId(), id);
              if (usage.inUse()) {
                throw ApiException.inUse(
                    request.getName() + " is still used by " + usage.customers() + " customer(s) and "
                        + usage.customerTypes() + " customer type(s): give them another tax class first");
              }
              repository.delete(tx, caller.tenantId(), id);
              return DeleteTaxClassResponse.getDefaultInstance();
            });
    Unary.reply(response, deleted);
  }
}
