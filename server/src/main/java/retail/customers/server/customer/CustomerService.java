package retail.customers.server.customer;

import static retail.customers.server.grpc.ResourceNames.CUSTOMERS;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import retail.customers.server.auth.Caller;
import retail.customers.server.changes.ChangeStream;
import retail.customers.server.db.ReadRouting;
import retail.customers.server.duplicates.DuplicateFinder;
import retail.customers.server.exchange.CustomerExport;
import retail.customers.server.exchange.CustomerImport;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Unary;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.search.CustomerSearch;
import retail.customers.server.search.TagCounts;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.BatchCreateCustomersResponse;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.BatchGetCustomersResponse;
import retail.customers.v1.BatchUpdateCustomersRequest;
import retail.customers.v1.BatchUpdateCustomersResponse;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EnsureCustomerResponse;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.FindDuplicateCustomersRequest;
import retail.customers.v1.FindDuplicateCustomersResponse;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.ListTagsResponse;
import retail.customers.v1.MergeCustomersRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;
import retail.customers.v1.WatchCustomersRequest;

/**
 * The CustomerService API: a thin layer that reads the caller, hands the
 * request to {@link CustomerCommands} and replies.
 */
public final class CustomerService extends CustomerServiceGrpc.CustomerServiceImplBase {
  static final int MAX_BATCH = 1000;

  private final CustomerCommands commands;
  private final BatchWrites batches;
  private final CustomerSearch search;
  private final TagCounts tags;
  private final CustomerExport export;
  private final CustomerImport importer;
  private final ChangeStream changes;
  private final ReadRouting routing;
  private final DuplicateFinder duplicates;
  /**
   * Reads and single writes (by id, by external reference or e-mail for
   * EnsureCustomer), on plans made once per connection: a
   * statement by primary key has one plan, and planning it for each call's
   * values took 0.2 ms where running a read takes 0.035 ms. A create's or
   * an update's statements (the row, its answer for the request id, and the
   * triggers' statements that write its event and counters) were planned
   * for 0.3 ms each on every call.
   */
  private final DSLContext cachedPlans;
  private final CustomerSearch replicaSearch;
  private final CustomerExport replicaExport;

  /**
   * @param replicaSearch and {@code replicaExport}: the same on the read replica, used when {@code routing} allows
   *     (the primary's when there is no replica)
   */
  public CustomerService(
      CustomerCommands commands, CustomerSearch search, TagCounts tags, CustomerExport export,
      CustomerImport importer, ChangeStream changes, ReadRouting routing, CustomerSearch replicaSearch,
      CustomerExport replicaExport, DuplicateFinder duplicates, DSLContext cachedPlans, BatchWrites batches) {
    this.batches = batches;
    this.commands = commands;
    this.search = search;
    this.tags = tags;
    this.export = export;
    this.importer = importer;
    this.changes = changes;
    this.routing = routing;
    this.duplicates = duplicates;
    this.cachedPlans = cachedPlans;
    this.replicaSearch = replicaSearch;
    this.replicaExport = replicaExport;
  }

  @Override
  public void createCustomer(CreateCustomerRequest request, StreamObserver<Customer> response) {
    Unary.reply(response, commands.create(cachedPlans, Caller.current(), request));
  }

  @Override
  public void getCustomer(GetCustomerRequest request, StreamObserver<Customer> response) {
    Unary.reply(response, commands.get(cachedPlans, Caller.current(), request.getName(), "name", request.getView()));
  }

  @Override
  public void updateCustomer(UpdateCustomerRequest request, StreamObserver<Customer> response) {
    Unary.reply(response, commands.update(cachedPlans, Caller.current(), request));
  }

  @Override
  public void deleteCustomer(DeleteCustomerRequest request, StreamObserver<Customer> response) {
    Unary.reply(response, commands.archive(cachedPlans, Caller.current(), request));
  }

  @Override
  public void undeleteCustomer(UndeleteCustomerRequest request, StreamObserver<Customer> response) {
    Unary.reply(response, commands.restore(cachedPlans, Caller.current(), request));
  }

  @Override
  public void eraseCustomer(EraseCustomerRequest request, StreamObserver<Customer> response) {
    Unary.reply(response, commands.erase(cachedPlans, Caller.current(), request));
  }

  @Override
  public void ensureCustomer(EnsureCustomerRequest request, StreamObserver<EnsureCustomerResponse> response) {
    Unary.reply(response, commands.ensure(cachedPlans, Caller.current(), request));
  }

  @Override
  public void searchCustomers(SearchCustomersRequest request, StreamObserver<SearchCustomersResponse> response) {
    Caller caller = Caller.current();
    Unary.reply(response, (routing.useReplica(caller.tenantId()) ? replicaSearch : search).search(caller, request));
  }

  @Override
  public void listTags(ListTagsRequest request, StreamObserver<ListTagsResponse> response) {
    Unary.reply(response, tags.list(Caller.current(), request));
  }

  @Override
  public void exportCustomers(ExportCustomersRequest request, StreamObserver<ExportCustomersResponse> response) {
    Caller caller = Caller.current();
    (routing.useReplica(caller.tenantId()) ? replicaExport : export)
        .start(caller, request, (ServerCallStreamObserver<ExportCustomersResponse>) response);
  }

  @Override
  public StreamObserver<ImportCustomersRequest> importCustomers(StreamObserver<ImportCustomersResponse> response) {
    return importer.start(Caller.current(), response);
  }

  @Override
  public void findDuplicateCustomers(FindDuplicateCustomersRequest request, StreamObserver<FindDuplicateCustomersResponse> response) {
    Unary.reply(response, duplicates.find(Caller.current(), request));
  }

  @Override
  public void mergeCustomers(MergeCustomersRequest request, StreamObserver<Customer> response) {
    UnknownFields.reject(request);
    Unary.reply(response, commands.merge(cachedPlans, Caller.current(), request));
  }

  @Override
  public void watchCustomers(WatchCustomersRequest request, StreamObserver<CustomerEvent> response) {
    changes.watch(Caller.current(), request, response);
  }

  @Override
  public void batchGetCustomers(BatchGetCustomersRequest request, StreamObserver<BatchGetCustomersResponse> response) {
    Caller caller = Caller.current();
    checkBatchSize("names", request.getNamesCount());
    List<UUID> ids = request.getNamesList().stream().map(n -> ResourceNames.tryParseUuid(n, CUSTOMERS)).filter(id -> id != null).toList();
    Map<UUID, Customer> found = commands.findAll(cachedPlans, caller, ids, request.getView());
    BatchGetCustomersResponse.Builder out = BatchGetCustomersResponse.newBuilder();
    for (int i = 0; i < request.getNamesCount(); i++) {
      String name = request.getNamesList().get(i);
      UUID id = ResourceNames.tryParseUuid(name, CUSTOMERS);
      CustomerResult.Builder result = CustomerResult.newBuilder();
      if (id == null) {
        result.setError(ErrorMapper.toStatusProto(ApiException.invalidField("names[" + i + "]", ResourceNames.describe(name, CUSTOMERS))));
      } else if (found.containsKey(id)) {
        result.setCustomer(found.get(id));
      } else {
        result.setError(ErrorMapper.toStatusProto(ApiException.notFound(name)));
      }
      out.addResults(result);
    }
    Unary.reply(response, out.build());
  }

  @Override
  public void batchCreateCustomers(BatchCreateCustomersRequest request, StreamObserver<BatchCreateCustomersResponse> response) {
    Caller caller = Caller.current();
    checkBatchSize("requests", request.getRequestsCount());
    List<CustomerResult> results = batches.write(caller, request.getRequestsList(),
        (tx, items) -> commands.createAll(tx, caller, items), (tx, item) -> commands.create(tx, caller, item));
    Unary.reply(response, BatchCreateCustomersResponse.newBuilder().addAllResults(results).build());
  }

  @Override
  public void batchUpdateCustomers(BatchUpdateCustomersRequest request, StreamObserver<BatchUpdateCustomersResponse> response) {
    Caller caller = Caller.current();
    checkBatchSize("requests", request.getRequestsCount());
    List<CustomerResult> results = batches.write(caller, request.getRequestsList(),
        (tx, items) -> commands.updateAll(tx, caller, items), (tx, item) -> commands.update(tx, caller, item));
    Unary.reply(response, BatchUpdateCustomersResponse.newBuilder().addAllResults(results).build());
  }


  private static void checkBatchSize(String field, int size) {
    if (size == 0) {
      throw ApiException.invalidField(field, "must hold at least one item");
    }
    if (size > MAX_BATCH) {
      throw ApiException.limitExceeded(field, "at most " + MAX_BATCH + " items per call, got " + size);
    }
  }
}
