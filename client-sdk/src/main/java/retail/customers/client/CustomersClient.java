package retail.customers.client;

import com.google.protobuf.FieldMask;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import retail.customers.v1.ApiKey;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.AuditEvent;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.CreateApiKeyRequest;
import retail.customers.v1.CreateApiKeyResponse;
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.DeleteCustomFieldRequest;
import retail.customers.v1.DeleteCustomerTypeRequest;
import retail.customers.v1.DeleteTaxClassRequest;
import retail.customers.v1.GetApiKeyRequest;
import retail.customers.v1.GetCustomFieldRequest;
import retail.customers.v1.GetCustomerTypeRequest;
import retail.customers.v1.GetTaxClassRequest;
import retail.customers.v1.ListApiKeysRequest;
import retail.customers.v1.ListApiKeysResponse;
import retail.customers.v1.RevokeApiKeyRequest;
import retail.customers.v1.TaxClassServiceGrpc;
import retail.customers.v1.UpdateCustomFieldRequest;
import retail.customers.v1.UpdateCustomerTypeRequest;
import retail.customers.v1.UpdateTaxClassRequest;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.BatchUpdateCustomersRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.CustomerType;
import retail.customers.v1.DuplicateGroup;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EnsureCustomerResponse;
import retail.customers.v1.FindDuplicateCustomersRequest;
import retail.customers.v1.FindDuplicateCustomersResponse;
import retail.customers.v1.ListAuditEventsRequest;
import retail.customers.v1.ListAuditEventsResponse;
import retail.customers.v1.ListCustomFieldsRequest;
import retail.customers.v1.ListCustomFieldsResponse;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListCustomerTypesResponse;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.ListTagsResponse;
import retail.customers.v1.ListTaxClassesRequest;
import retail.customers.v1.ListTaxClassesResponse;
import retail.customers.v1.MergeCustomersRequest;
import retail.customers.v1.TagCount;
import retail.customers.v1.TaxClass;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportOptions;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;
import retail.customers.v1.WatchCustomersRequest;

/**
 * The customer-accounts API for Java programs: one client per process,
 * thread-safe, closed when done.
 *
 * <pre>{@code
 * try (CustomersClient customers = CustomersClient.builder("customers.example.com:443")
 *         .apiKey(System.getenv("CUSTOMERS_API_KEY"))
 *         .build()) {
 *   Customer betty = customers.createCustomer(Customer.newBuilder().setFirstName("Betty").setLastName("Smith").build());
 *   for (Customer smith : customers.searchCustomers("smith")) {
 *     System.out.println(smith.getName());
 *   }
 * }
 * }</pre>
 *
 * <p>What it does for its caller:
 * <ul>
 *   <li>every call has a deadline ({@link Builder#timeout}, 30 s by default);
 *   <li>a call that fails before it is answered is retried within that
 *       deadline ({@link RetrySettings}); a write carries a request id made
 *       once for all its attempts, so a retried write is done once (a key's
 *       revocation needs none, being the same when repeated; a key's
 *       creation is made in one attempt: see {@link #createApiKey(String, List, Instant)});
 *   <li>failures are {@link CustomersException}s by kind, with the fields
 *       at fault, the scope missing, the time to wait;
 *   <li>searches are {@link Iterable}s that fetch pages as they are read;
 *   <li>exports go to a file and resume by themselves after a dropped
 *       stream, byte for byte as an uninterrupted one.
 * </ul>
 * Every call of the API has a method here; the raw stubs of
 * {@link #channel()} are for call options this class does not offer.
 */
public final class CustomersClient implements AutoCloseable {
  private final CustomersChannel channel;
  private final Duration timeout;
  private final Retrier retrier;

  CustomersClient(CustomersChannel channel, Duration timeout, RetrySettings retry, Retrier.Sleeper sleeper) {
    this.channel = channel;
    this.timeout = timeout;
    this.retrier = new Retrier(retry, sleeper);
  }

  /** Starts building a client of the API at {@code target}, e.g. {@code "customers.example.com:443"}. */
  public static Builder builder(String target) {
    return new Builder(target);
  }

  /** A client over a channel the caller manages (an in-process channel, a channel with its own settings). */
  public static CustomersClient wrap(ManagedChannel channel, String apiKey, Duration timeout, RetrySettings retry) {
    return new CustomersClient(CustomersChannel.wrap(channel, apiKey), timeout, retry, d -> Thread.sleep(d.toMillis()));
  }

  /** The channel and its raw stubs, for call options this class does not offer. */
  public CustomersChannel channel() {
    return channel;
  }

  private CustomerServiceBlockingStub customers(Deadline deadline) {
    return channel.customers().withDeadline(deadline);
  }

  private CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub customerTypes(Deadline deadline) {
    return channel.customerTypes().withDeadline(deadline);
  }

  private TaxClassServiceGrpc.TaxClassServiceBlockingStub taxClasses(Deadline deadline) {
    return channel.taxClasses().withDeadline(deadline);
  }

  private CustomFieldServiceGrpc.CustomFieldServiceBlockingStub customFields(Deadline deadline) {
    return channel.customFields().withDeadline(deadline);
  }

  private ApiKeyServiceGrpc.ApiKeyServiceBlockingStub apiKeys(Deadline deadline) {
    return channel.apiKeys().withDeadline(deadline);
  }

  private Deadline deadline() {
    return Deadline.after(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The customer named {@code customers/{id}}; a merged customer's name gives its survivor. */
  public Customer getCustomer(String name) {
    return getCustomer(GetCustomerRequest.newBuilder().setName(name).build());
  }

  /**
   * The customer the request names, in the view it asks for (a register's
   * view: only what a till shows).
   *
   * <pre>{@code
   * Customer atTheTill = customers.getCustomer(GetCustomerRequest.newBuilder().setName(name)
   *     .setView(CustomerView.CUSTOMER_VIEW_REGISTER).build());
   * }</pre>
   */
  public Customer getCustomer(GetCustomerRequest request) {
    return retrier.call(deadline(), d -> customers(d).getCustomer(request));
  }

  /** Creates a customer, once however often the call is retried. */
  public Customer createCustomer(Customer customer) {
    return createCustomer(CreateCustomerRequest.newBuilder().setCustomer(customer).build());
  }

  /** Creates a customer; a request without a request id gets one, the same for every attempt. */
  public Customer createCustomer(CreateCustomerRequest request) {
    CreateCustomerRequest once = once(request);
    return retrier.call(deadline(), d -> customers(d).createCustomer(once));
  }

  /**
   * Sets the named fields ({@code "email"}, {@code "address.city"}) of the
   * customer {@code changes} names to their values in it; with its etag set,
   * only if the customer has not changed since ({@link CustomersException.ConflictException}).
   */
  public Customer updateCustomer(Customer changes, String... fields) {
    return updateCustomer(UpdateCustomerRequest.newBuilder()
        .setCustomer(changes)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(fields)))
        .build());
  }

  /** Updates a customer; a request without a request id gets one, the same for every attempt. */
  public Customer updateCustomer(UpdateCustomerRequest request) {
    UpdateCustomerRequest once = once(request);
    return retrier.call(deadline(), d -> customers(d).updateCustomer(once));
  }

  /** Archives a customer (undone by {@link #undeleteCustomer}). */
  public Customer deleteCustomer(String name) {
    DeleteCustomerRequest request = DeleteCustomerRequest.newBuilder().setName(name).setRequestId(newRequestId()).build();
    return retrier.call(deadline(), d -> customers(d).deleteCustomer(request));
  }

  /** Restores an archived customer. */
  public Customer undeleteCustomer(String name) {
    UndeleteCustomerRequest request = UndeleteCustomerRequest.newBuilder().setName(name).setRequestId(newRequestId()).build();
    return retrier.call(deadline(), d -> customers(d).undeleteCustomer(request));
  }

  /** Erases a customer's personal data for good (a right-to-erasure request), saying why. */
  public Customer eraseCustomer(String name, String reason) {
    EraseCustomerRequest request = EraseCustomerRequest.newBuilder().setName(name).setReason(reason).setRequestId(newRequestId()).build();
    return retrier.call(deadline(), d -> customers(d).eraseCustomer(request));
  }

  /** Every customer matching the words, best first, fetched a page at a time as they are read. */
  public Iterable<Customer> searchCustomers(String query) {
    return searchCustomers(SearchCustomersRequest.newBuilder().setQuery(query).build());
  }

  /**
   * Every customer the search finds, in its order, fetched a page at a time
   * (of the request's page size) as they are read; each page is a call of
   * its own, with its own deadline and retries. Iterate it again to search
   * again.
   */
  public Iterable<Customer> searchCustomers(SearchCustomersRequest request) {
    return new Paged<>(request, r -> retrier.call(deadline(), d -> customers(d).searchCustomers(r)),
        SearchCustomersResponse::getCustomersList, SearchCustomersResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /** {@link #searchCustomers(SearchCustomersRequest)} as a stream. */
  public Stream<Customer> streamCustomers(SearchCustomersRequest request) {
    return StreamSupport.stream(searchCustomers(request).spliterator(), false);
  }

  /**
   * The customer the request describes: the one already there with its
   * e-mail or external reference, else a new one (EnsureCustomer: an online
   * order's buyer, delivered any number of times, is one customer).
   */
  public EnsureCustomerResponse ensureCustomer(EnsureCustomerRequest request) {
    EnsureCustomerRequest once = once(request);
    return retrier.call(deadline(), d -> customers(d).ensureCustomer(once));
  }

  /**
   * Creates up to 1,000 customers in one call; a result per customer, in
   * order (a customer or its error). Each gets a request id, so a retried
   * batch creates none twice.
   */
  public List<CustomerResult> batchCreateCustomers(List<Customer> customers) {
    BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder();
    customers.forEach(c -> batch.addRequests(CreateCustomerRequest.newBuilder().setCustomer(c).setRequestId(newRequestId())));
    BatchCreateCustomersRequest request = batch.build();
    return retrier.call(deadline(), d -> customers(d).batchCreateCustomers(request)).getResultsList();
  }

  /** Applies up to 1,000 updates in one call; a result per update, in order. Updates without a request id get one. */
  public List<CustomerResult> batchUpdateCustomers(List<UpdateCustomerRequest> updates) {
    BatchUpdateCustomersRequest.Builder batch = BatchUpdateCustomersRequest.newBuilder();
    updates.forEach(u -> batch.addRequests(once(u)));
    BatchUpdateCustomersRequest request = batch.build();
    return retrier.call(deadline(), d -> customers(d).batchUpdateCustomers(request)).getResultsList();
  }

  /** Merges {@code merged} into {@code survivor} (each field set on both: the more recently updated wins). */
  public Customer mergeCustomers(String survivor, String merged) {
    return mergeCustomers(MergeCustomersRequest.newBuilder().setSurvivor(survivor).setMerged(merged).build());
  }

  /** Merges two customers as the request says (per-field choices, etags); a request without a request id gets one. */
  public Customer mergeCustomers(MergeCustomersRequest request) {
    MergeCustomersRequest once = once(request);
    return retrier.call(deadline(), d -> customers(d).mergeCustomers(once));
  }

  /** The store's likely duplicates, best first, a page at a time as they are read. */
  public Iterable<DuplicateGroup> findDuplicateCustomers() {
    return findDuplicateCustomers(FindDuplicateCustomersRequest.getDefaultInstance());
  }

  /** The likely duplicates the request asks for (of one customer, or the whole store). */
  public Iterable<DuplicateGroup> findDuplicateCustomers(FindDuplicateCustomersRequest request) {
    return new Paged<>(request, r -> retrier.call(deadline(), d -> customers(d).findDuplicateCustomers(r)),
        FindDuplicateCustomersResponse::getGroupsList, FindDuplicateCustomersResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /** The store's tags starting with {@code prefix} (empty: all), each with its number of customers. */
  public Iterable<TagCount> listTags(String prefix) {
    return new Paged<>(ListTagsRequest.newBuilder().setPrefix(prefix).build(),
        r -> retrier.call(deadline(), d -> customers(d).listTags(r)),
        ListTagsResponse::getTagsList, ListTagsResponse::getNextPageToken, (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /** The store's customer types. */
  public Iterable<CustomerType> listCustomerTypes() {
    return new Paged<>(ListCustomerTypesRequest.getDefaultInstance(),
        r -> retrier.call(deadline(), d -> customerTypes(d).listCustomerTypes(r)),
        ListCustomerTypesResponse::getCustomerTypesList, ListCustomerTypesResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /** The store's tax classes. */
  public Iterable<TaxClass> listTaxClasses() {
    return new Paged<>(ListTaxClassesRequest.getDefaultInstance(),
        r -> retrier.call(deadline(), d -> taxClasses(d).listTaxClasses(r)),
        ListTaxClassesResponse::getTaxClassesList, ListTaxClassesResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /** The store's audit trail, newest first, of one action (empty: every action); needs customers.admin. */
  public Iterable<AuditEvent> listAuditEvents(String action) {
    return new Paged<>(ListAuditEventsRequest.newBuilder().setAction(action).build(),
        r -> retrier.call(deadline(), d -> channel.audit().withDeadline(d).listAuditEvents(r)),
        ListAuditEventsResponse::getAuditEventsList, ListAuditEventsResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /** The store's custom fields. */
  public Iterable<CustomField> listCustomFields() {
    return new Paged<>(ListCustomFieldsRequest.getDefaultInstance(),
        r -> retrier.call(deadline(), d -> customFields(d).listCustomFields(r)),
        ListCustomFieldsResponse::getCustomFieldsList, ListCustomFieldsResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /**
   * The customer type named {@code customerTypes/{id}}.
   *
   * <pre>{@code
   * CustomerType student = customers.getCustomerType("customerTypes/019ab3c4-...");
   * }</pre>
   */
  public CustomerType getCustomerType(String name) {
    GetCustomerTypeRequest request = GetCustomerTypeRequest.newBuilder().setName(name).build();
    return retrier.call(deadline(), d -> customerTypes(d).getCustomerType(request));
  }

  /**
   * Creates a customer type with a discount (null: none) and a tax class
   * ({@code taxClasses/{id}}; null or empty: the store default); needs
   * customers.admin.
   *
   * <pre>{@code
   * CustomerType student = customers.createCustomerType("Student", new BigDecimal("10"), null);
   * }</pre>
   */
  public CustomerType createCustomerType(String displayName, BigDecimal discountPercent, String taxClass) {
    CustomerType.Builder type = CustomerType.newBuilder().setDisplayName(displayName);
    if (discountPercent != null) {
      type.setDiscountPercent(Values.decimal(discountPercent));
    }
    if (taxClass != null) {
      type.setTaxClass(taxClass);
    }
    return createCustomerType(type.build());
  }

  /**
   * Creates a customer type, once however often the call is retried.
   *
   * <pre>{@code
   * CustomerType staff = customers.createCustomerType(CustomerType.newBuilder().setDisplayName("Staff").setDiscountPercent("20").build());
   * }</pre>
   */
  public CustomerType createCustomerType(CustomerType type) {
    return createCustomerType(CreateCustomerTypeRequest.newBuilder().setCustomerType(type).build());
  }

  /**
   * Creates a customer type; a request without a request id gets one, the same for every attempt.
   *
   * <pre>{@code
   * CustomerType staff = customers.createCustomerType(CreateCustomerTypeRequest.newBuilder().setCustomerType(type).build());
   * }</pre>
   */
  public CustomerType createCustomerType(CreateCustomerTypeRequest request) {
    CreateCustomerTypeRequest once = once(request);
    return retrier.call(deadline(), d -> customerTypes(d).createCustomerType(once));
  }

  /**
   * Sets the named fields ({@code "display_name"}, {@code "discount_percent"},
   * {@code "tax_class"}) of the type {@code changes} names to their values
   * in it (a field named but unset is cleared); with its etag set, only if
   * the type has not changed since ({@link CustomersException.ConflictException}).
   *
   * <pre>{@code
   * customers.updateCustomerType(student.toBuilder().setDiscountPercent("15").build(), "discount_percent");
   * }</pre>
   */
  public CustomerType updateCustomerType(CustomerType changes, String... fields) {
    return updateCustomerType(UpdateCustomerTypeRequest.newBuilder()
        .setCustomerType(changes)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(fields)))
        .build());
  }

  /**
   * Updates a customer type; a request without a request id gets one, the same for every attempt.
   *
   * <pre>{@code
   * customers.updateCustomerType(UpdateCustomerTypeRequest.newBuilder().setCustomerType(changes).build());
   * }</pre>
   */
  public CustomerType updateCustomerType(UpdateCustomerTypeRequest request) {
    UpdateCustomerTypeRequest once = once(request);
    return retrier.call(deadline(), d -> customerTypes(d).updateCustomerType(once));
  }

  /**
   * Deletes a customer type that no customer has
   * ({@link CustomersException.FailedPreconditionException} otherwise).
   *
   * <pre>{@code
   * customers.deleteCustomerType(student.getName());
   * }</pre>
   */
  public void deleteCustomerType(String name) {
    deleteCustomerType(DeleteCustomerTypeRequest.newBuilder().setName(name).build());
  }

  /**
   * Deletes a customer type, moving its customers to {@code replacement}
   * ({@code customerTypes/{id}}); returns how many moved.
   *
   * <pre>{@code
   * long moved = customers.deleteCustomerType(student.getName(), pupil.getName());
   * }</pre>
   */
  public long deleteCustomerType(String name, String replacement) {
    return deleteCustomerType(DeleteCustomerTypeRequest.newBuilder().setName(name)
        .setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.REASSIGN).setReplacementCustomerType(replacement).build());
  }

  /**
   * Deletes a customer type as the request says (etag, what becomes of its
   * customers); returns how many customers were reassigned or detached. A
   * request without a request id gets one, the same for every attempt: a
   * retry after a lost answer gets the first answer (the same count), not
   * {@link CustomersException.NotFoundException}.
   *
   * <pre>{@code
   * long detached = customers.deleteCustomerType(DeleteCustomerTypeRequest.newBuilder().setName(name)
   *     .setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.DETACH_KEEP_PRICING).build());
   * }</pre>
   */
  public long deleteCustomerType(DeleteCustomerTypeRequest request) {
    DeleteCustomerTypeRequest once = once(request);
    return retrier.call(deadline(), d -> customerTypes(d).deleteCustomerType(once)).getAffectedCustomers();
  }

  /**
   * The tax class named {@code taxClasses/{id}}.
   *
   * <pre>{@code
   * TaxClass exempt = customers.getTaxClass("taxClasses/019ab3c4-...");
   * }</pre>
   */
  public TaxClass getTaxClass(String name) {
    GetTaxClassRequest request = GetTaxClassRequest.newBuilder().setName(name).build();
    return retrier.call(deadline(), d -> taxClasses(d).getTaxClass(request));
  }

  /**
   * Creates a tax class, the store default if {@code isDefault} (which the
   * previous default then is no longer); needs customers.admin.
   *
   * <pre>{@code
   * TaxClass exempt = customers.createTaxClass("Exempt", false);
   * }</pre>
   */
  public TaxClass createTaxClass(String displayName, boolean isDefault) {
    return createTaxClass(TaxClass.newBuilder().setDisplayName(displayName).setIsDefault(isDefault).build());
  }

  /**
   * Creates a tax class, once however often the call is retried.
   *
   * <pre>{@code
   * TaxClass exempt = customers.createTaxClass(TaxClass.newBuilder().setDisplayName("Exempt").build());
   * }</pre>
   */
  public TaxClass createTaxClass(TaxClass taxClass) {
    return createTaxClass(CreateTaxClassRequest.newBuilder().setTaxClass(taxClass).build());
  }

  /**
   * Creates a tax class; a request without a request id gets one, the same for every attempt.
   *
   * <pre>{@code
   * TaxClass exempt = customers.createTaxClass(CreateTaxClassRequest.newBuilder().setTaxClass(taxClass).build());
   * }</pre>
   */
  public TaxClass createTaxClass(CreateTaxClassRequest request) {
    CreateTaxClassRequest once = once(request);
    return retrier.call(deadline(), d -> taxClasses(d).createTaxClass(once));
  }

  /**
   * Sets the named fields ({@code "display_name"}, {@code "is_default"}) of
   * the tax class {@code changes} names to their values in it; with its etag
   * set, only if it has not changed since.
   *
   * <pre>{@code
   * customers.updateTaxClass(exempt.toBuilder().setIsDefault(true).build(), "is_default");
   * }</pre>
   */
  public TaxClass updateTaxClass(TaxClass changes, String... fields) {
    return updateTaxClass(UpdateTaxClassRequest.newBuilder()
        .setTaxClass(changes)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(fields)))
        .build());
  }

  /**
   * Updates a tax class; a request without a request id gets one, the same for every attempt.
   *
   * <pre>{@code
   * customers.updateTaxClass(UpdateTaxClassRequest.newBuilder().setTaxClass(changes).build());
   * }</pre>
   */
  public TaxClass updateTaxClass(UpdateTaxClassRequest request) {
    UpdateTaxClassRequest once = once(request);
    return retrier.call(deadline(), d -> taxClasses(d).updateTaxClass(once));
  }

  /**
   * Deletes a tax class that no customer or type uses and that is not the
   * default ({@link CustomersException.FailedPreconditionException} otherwise).
   *
   * <pre>{@code
   * customers.deleteTaxClass(exempt.getName());
   * }</pre>
   */
  public void deleteTaxClass(String name) {
    deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(name).build());
  }

  /**
   * Deletes a tax class as the request says (with its etag: only if
   * unchanged); a request without a request id gets one, the same for every
   * attempt, so a retry after a lost answer succeeds as the first attempt did.
   *
   * <pre>{@code
   * customers.deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(exempt.getName()).setEtag(exempt.getEtag()).build());
   * }</pre>
   */
  public void deleteTaxClass(DeleteTaxClassRequest request) {
    DeleteTaxClassRequest once = once(request);
    retrier.call(deadline(), d -> taxClasses(d).deleteTaxClass(once));
  }

  /**
   * The custom field named {@code customFields/{id}}.
   *
   * <pre>{@code
   * CustomField size = customers.getCustomField("customFields/shoe_size");
   * }</pre>
   */
  public CustomField getCustomField(String name) {
    GetCustomFieldRequest request = GetCustomFieldRequest.newBuilder().setName(name).build();
    return retrier.call(deadline(), d -> customFields(d).getCustomField(request));
  }

  /**
   * Creates a custom field {@code customFields/{id}} of a type (for
   * SINGLE_CHOICE, with its options); needs customers.admin.
   *
   * <pre>{@code
   * CustomField size = customers.createCustomField("shoe_size", "Shoe size", CustomField.ValueType.NUMBER);
   * }</pre>
   */
  public CustomField createCustomField(String id, String displayName, CustomField.ValueType type, String... options) {
    return createCustomField(id, CustomField.newBuilder().setDisplayName(displayName).setValueType(type).addAllOptions(List.of(options)).build());
  }

  /**
   * Creates the custom field {@code customFields/{id}}, once however often the call is retried.
   *
   * <pre>{@code
   * CustomField size = customers.createCustomField("shoe_size", CustomField.newBuilder().setDisplayName("Shoe size")
   *     .setValueType(CustomField.ValueType.NUMBER).setRequired(true).build());
   * }</pre>
   */
  public CustomField createCustomField(String id, CustomField field) {
    return createCustomField(CreateCustomFieldRequest.newBuilder().setCustomFieldId(id).setCustomField(field).build());
  }

  /**
   * Creates a custom field; a request without a request id gets one, the same for every attempt.
   *
   * <pre>{@code
   * CustomField size = customers.createCustomField(CreateCustomFieldRequest.newBuilder().setCustomFieldId("shoe_size").setCustomField(field).build());
   * }</pre>
   */
  public CustomField createCustomField(CreateCustomFieldRequest request) {
    CreateCustomFieldRequest once = once(request);
    return retrier.call(deadline(), d -> customFields(d).createCustomField(once));
  }

  /**
   * Sets the named fields ({@code "display_name"}, {@code "options"},
   * {@code "required"}) of the custom field {@code changes} names to their
   * values in it; with its etag set, only if it has not changed since.
   *
   * <pre>{@code
   * customers.updateCustomField(size.toBuilder().setRequired(false).build(), "required");
   * }</pre>
   */
  public CustomField updateCustomField(CustomField changes, String... fields) {
    return updateCustomField(UpdateCustomFieldRequest.newBuilder()
        .setCustomField(changes)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(fields)))
        .build());
  }

  /**
   * Updates a custom field; a request without a request id gets one, the same for every attempt.
   *
   * <pre>{@code
   * customers.updateCustomField(UpdateCustomFieldRequest.newBuilder().setCustomField(changes).build());
   * }</pre>
   */
  public CustomField updateCustomField(UpdateCustomFieldRequest request) {
    UpdateCustomFieldRequest once = once(request);
    return retrier.call(deadline(), d -> customFields(d).updateCustomField(once));
  }

  /**
   * Deletes a custom field; with {@code force}, even if customers have
   * values for it, which go with it (without: FailedPreconditionException).
   * Returns how many customers lost a value.
   *
   * <pre>{@code
   * long cleared = customers.deleteCustomField("customFields/shoe_size", true);
   * }</pre>
   */
  public long deleteCustomField(String name, boolean force) {
    return deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(name).setForce(force).build());
  }

  /**
   * Deletes a custom field as the request says (etag, force); returns how
   * many customers lost a value. A request without a request id gets one,
   * the same for every attempt: a retry after a lost answer gets the first
   * answer (the same count).
   *
   * <pre>{@code
   * customers.deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(size.getName()).setEtag(size.getEtag()).build());
   * }</pre>
   */
  public long deleteCustomField(DeleteCustomFieldRequest request) {
    DeleteCustomFieldRequest once = once(request);
    return retrier.call(deadline(), d -> customFields(d).deleteCustomField(once)).getAffectedCustomers();
  }

  /**
   * The customers of up to 1,000 names, a result per name in order: the
   * customer, or the error of that name alone (unknown, malformed).
   *
   * <pre>{@code
   * for (CustomerResult r : customers.batchGetCustomers(List.of(a, b))) {
   *   if (r.hasCustomer()) System.out.println(r.getCustomer().getLastName());
   * }
   * }</pre>
   */
  public List<CustomerResult> batchGetCustomers(List<String> names) {
    return batchGetCustomers(BatchGetCustomersRequest.newBuilder().addAllNames(names).build());
  }

  /**
   * The customers the request names, in the view it asks for (the register's, or full).
   *
   * <pre>{@code
   * customers.batchGetCustomers(BatchGetCustomersRequest.newBuilder().addAllNames(names).setView(CustomerView.CUSTOMER_VIEW_REGISTER).build());
   * }</pre>
   */
  public List<CustomerResult> batchGetCustomers(BatchGetCustomersRequest request) {
    return retrier.call(deadline(), d -> customers(d).batchGetCustomers(request)).getResultsList();
  }

  /**
   * Creates an API key with these scopes, working until {@code expires}
   * (null: until revoked); needs customers.admin. The response holds the
   * secret, which cannot be read again. Made in one attempt, never retried,
   * unlike every other write: a write is made retry-safe by storing its
   * answer under its request id for replay, and this answer carries the
   * secret, which the server never stores (only its hash). So the API gives
   * key creation no request id, and a retry after a lost answer would make a
   * second key; after an {@link CustomersException.UnavailableException},
   * list the keys and revoke one you cannot use.
   *
   * <pre>{@code
   * CreateApiKeyResponse till = customers.createApiKey("Till 3", List.of("customers.read", "customers.write"), null);
   * String secret = till.getKey();
   * }</pre>
   */
  public CreateApiKeyResponse createApiKey(String displayName, List<String> scopes, Instant expires) {
    ApiKey.Builder key = ApiKey.newBuilder().setDisplayName(displayName).addAllScopes(scopes);
    if (expires != null) {
      key.setExpireTime(Values.timestamp(expires));
    }
    return createApiKey(CreateApiKeyRequest.newBuilder().setApiKey(key).build());
  }

  /**
   * Creates the API key the request describes, in one attempt (see {@link #createApiKey(String, List, Instant)}).
   *
   * <pre>{@code
   * CreateApiKeyResponse created = customers.createApiKey(CreateApiKeyRequest.newBuilder().setApiKey(key).build());
   * }</pre>
   */
  public CreateApiKeyResponse createApiKey(CreateApiKeyRequest request) {
    try {
      return apiKeys(deadline()).createApiKey(request);
    } catch (StatusRuntimeException e) {
      throw CustomersException.of(e);
    }
  }

  /**
   * The API key named {@code apiKeys/{id}}, without its secret.
   *
   * <pre>{@code
   * Instant expires = Values.instant(customers.getApiKey(name).getExpireTime());
   * }</pre>
   */
  public ApiKey getApiKey(String name) {
    GetApiKeyRequest request = GetApiKeyRequest.newBuilder().setName(name).build();
    return retrier.call(deadline(), d -> apiKeys(d).getApiKey(request));
  }

  /**
   * The store's live API keys, by display name.
   *
   * <pre>{@code
   * customers.listApiKeys().forEach(k -> System.out.println(k.getName() + " " + k.getScopesList()));
   * }</pre>
   */
  public Iterable<ApiKey> listApiKeys() {
    return listApiKeys(false);
  }

  /**
   * The store's API keys, by display name, revoked ones too if {@code showRevoked}.
   *
   * <pre>{@code
   * for (ApiKey k : customers.listApiKeys(true)) { ... }
   * }</pre>
   */
  public Iterable<ApiKey> listApiKeys(boolean showRevoked) {
    return new Paged<>(ListApiKeysRequest.newBuilder().setShowRevoked(showRevoked).build(),
        r -> retrier.call(deadline(), d -> apiKeys(d).listApiKeys(r)),
        ListApiKeysResponse::getApiKeysList, ListApiKeysResponse::getNextPageToken,
        (r, token) -> r.toBuilder().setPageToken(token).build());
  }

  /**
   * Revokes an API key for good (it stops working within a second on every
   * server); revoking it again changes nothing, so the call is retried
   * safely.
   *
   * <pre>{@code
   * ApiKey revoked = customers.revokeApiKey(till.getApiKey().getName());
   * }</pre>
   */
  public ApiKey revokeApiKey(String name) {
    RevokeApiKeyRequest request = RevokeApiKeyRequest.newBuilder().setName(name).build();
    return retrier.call(deadline(), d -> apiKeys(d).revokeApiKey(request));
  }

  /**
   * Follows the store's changes from where the request says (a cursor, the
   * oldest kept, or now), handing each event to the listener once and in
   * order, and reconnecting by itself after a dropped stream
   * ({@link ChangeSubscription}). Close the subscription to stop.
   */
  public ChangeSubscription watchCustomers(WatchCustomersRequest request, ChangeSubscription.Listener listener) {
    ChangeSubscription subscription = new ChangeSubscription(channel.customersAsync(), request, listener, retrier);
    subscription.open();
    return subscription;
  }

  /** How far an import has come: bytes of the file sent so far, of how many. */
  @FunctionalInterface
  public interface ImportProgress {
    void progress(long bytesSent, long bytesTotal);
  }

  /**
   * Imports the customers of a CSV file (the export's columns, English or
   * French headers), streamed in chunks at the pace the server takes them.
   * The import has a request id, made once: an import cut off (UNAVAILABLE)
   * is sent again whole, and the rows it already stored are counted as
   * {@code rows_already_imported}, not stored twice. The response reports
   * every rejected row with its line, column and reason.
   *
   * @param dryRun check every row and report, store nothing
   */
  public ImportCustomersResponse importCustomers(Path file, boolean dryRun, ImportProgress progress) {
    ImportOptions options = ImportOptions.newBuilder().setDryRun(dryRun).setRequestId(newRequestId()).build();
    long total;
    try {
      total = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    for (int attempt = 1; ; attempt++) {
      try {
        return new ImportCall(options, file, total, progress).run();
      } catch (StatusRuntimeException e) {
        CustomersException failure = CustomersException.of(e);
        var wait = retrier.retryAfter(failure, attempt + 1);
        if (wait.isEmpty()) {
          throw failure;
        }
        sleep(wait.get(), failure);
      }
    }
  }

  /** One attempt of an import: the file's chunks, sent while the transport is ready for them. */
  private final class ImportCall {
    private static final int CHUNK = 64 * 1024;
    private final ImportOptions options;
    private final Path file;
    private final long total;
    private final ImportProgress progress;
    private final java.util.concurrent.CompletableFuture<ImportCustomersResponse> answer = new java.util.concurrent.CompletableFuture<>();
    private final Object ready = new Object();

    ImportCall(ImportOptions options, Path file, long total, ImportProgress progress) {
      this.options = options;
      this.file = file;
      this.total = total;
      this.progress = progress;
    }

    ImportCustomersResponse run() {
      var requests = (io.grpc.stub.ClientCallStreamObserver<ImportCustomersRequest>) channel.customersAsync().importCustomers(
          new io.grpc.stub.ClientResponseObserver<ImportCustomersRequest, ImportCustomersResponse>() {
            @Override
            public void beforeStart(io.grpc.stub.ClientCallStreamObserver<ImportCustomersRequest> stream) {
              stream.setOnReadyHandler(() -> {
                synchronized (ready) {
                  ready.notifyAll();
                }
              });
            }

            @Override
            public void onNext(ImportCustomersResponse response) {
              answer.complete(response);
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
              synchronized (ready) {
                ready.notifyAll();
              }
            }

            @Override
            public void onCompleted() {}
          });
      try (java.io.InputStream in = Files.newInputStream(file)) {
        requests.onNext(ImportCustomersRequest.newBuilder().setOptions(options).build());
        byte[] buffer = new byte[CHUNK];
        long sent = 0;
        for (int n = in.readNBytes(buffer, 0, CHUNK); n > 0; n = in.readNBytes(buffer, 0, CHUNK)) {
          awaitReady(requests);
          requests.onNext(ImportCustomersRequest.newBuilder().setData(com.google.protobuf.ByteString.copyFrom(buffer, 0, n)).build());
          sent += n;
          if (progress != null) {
            progress.progress(sent, total);
          }
        }
        requests.onCompleted();
      } catch (IOException e) {
        requests.cancel("the file could not be read", e);
        throw new UncheckedIOException("cannot read " + file, e);
      }
      try {
        return answer.get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException status) {
          throw status;
        }
        throw io.grpc.Status.fromThrowable(e.getCause()).asRuntimeException();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        requests.cancel("interrupted", e);
        throw io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
    }

    private void awaitReady(io.grpc.stub.ClientCallStreamObserver<ImportCustomersRequest> requests) {
      synchronized (ready) {
        while (!requests.isReady() && !answer.isDone()) {
          try {
            ready.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException();
          }
        }
      }
      if (answer.isCompletedExceptionally()) {
        try {
          answer.join();
        } catch (java.util.concurrent.CompletionException e) {
          if (e.getCause() instanceof StatusRuntimeException status) {
            throw status;
          }
          throw io.grpc.Status.fromThrowable(e.getCause()).asRuntimeException();
        }
      }
    }
  }

  /** How far an export has come. */
  @FunctionalInterface
  public interface ExportProgress {
    /** Called after each chunk is written: rows and bytes so far. */
    void progress(long rows, long bytes);
  }

  /**
   * What an export wrote: rows, bytes, how many times its stream was resumed,
   * and the change stream's cursor of the first snapshot read (watch from it
   * with WatchCustomers: it misses no change the file lacks; after a resume,
   * it may also bring changes the file's later rows already hold).
   */
  public record ExportResult(long rows, long bytes, int resumes, String watchCursor) {}

  /**
   * Exports the customers the request selects, as CSV, into {@code file}
   * (written to a temporary file beside it and moved into place when
   * complete, so the file is never half-written).
   */
  public ExportResult exportCustomers(ExportCustomersRequest request, Path file, ExportProgress progress) {
    Path partial = file.resolveSibling(file.getFileName() + ".part");
    try {
      ExportResult result;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial))) {
        result = exportCustomers(request, out, progress);
      }
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the export to " + file, e);
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        // the export's own failure matters more
      }
    }
  }

  /**
   * Exports the customers the request selects, as CSV, to {@code out}. A
   * stream that drops (UNAVAILABLE) is resumed after the last chunk
   * written, as {@link RetrySettings} allow, and the output is the same,
   * byte for byte, as one uninterrupted export. No deadline: an export
   * lasts as long as the data.
   */
  public ExportResult exportCustomers(ExportCustomersRequest request, OutputStream out, ExportProgress progress) {
    Objects.requireNonNull(out, "out");
    long rows = 0;
    long bytes = 0;
    int resumes = 0;
    String resumeToken = request.getResumeToken();
    String watchCursor = "";
    for (int attempt = 1; ; attempt++) {
      ExportCustomersRequest attemptRequest = request.toBuilder().setResumeToken(resumeToken).build();
      try {
        Iterator<ExportCustomersResponse> chunks = channel.customers().exportCustomers(attemptRequest);
        while (chunks.hasNext()) {
          ExportCustomersResponse chunk = chunks.next();
          chunk.getData().writeTo(out);
          rows += chunk.getRowCount();
          bytes += chunk.getData().size();
          if (!chunk.getResumeToken().isEmpty()) {
            resumeToken = chunk.getResumeToken();
          }
          if (watchCursor.isEmpty()) {
            watchCursor = chunk.getWatchCursor();
          }
          if (progress != null) {
            progress.progress(rows, bytes);
          }
        }
        out.flush();
        return new ExportResult(rows, bytes, resumes, watchCursor);
      } catch (StatusRuntimeException e) {
        CustomersException failure = CustomersException.of(e);
        var wait = retrier.retryAfter(failure, attempt + 1);
        if (wait.isEmpty() || (bytes > 0 && resumeToken.isEmpty())) {
          throw failure;
        }
        sleep(wait.get(), failure);
        resumes++;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the export", e);
      }
    }
  }

  private static void sleep(Duration duration, CustomersException failure) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure;
    }
  }

  /**
   * The request with a request id made now if it has none: the one all its
   * attempts carry, so that the server does the write once.
   */
  @SuppressWarnings("unchecked")
  private static <M extends com.google.protobuf.Message> M once(M request) {
    com.google.protobuf.Descriptors.FieldDescriptor field = request.getDescriptorForType().findFieldByName("request_id");
    return ((String) request.getField(field)).isEmpty() ? (M) request.toBuilder().setField(field, newRequestId()).build() : request;
  }

  private static String newRequestId() {
    return UUID.randomUUID().toString();
  }

  /** Closes the channel, waiting a few seconds for calls in flight. */
  @Override
  public void close() {
    channel.close();
  }

  /** Options of a {@link CustomersClient}. */
  public static final class Builder {
    private final CustomersChannel.Builder channel;
    private Duration timeout = Duration.ofSeconds(30);
    private RetrySettings retry = RetrySettings.DEFAULT;

    private Builder(String target) {
      this.channel = CustomersChannel.builder(target);
    }

    /** The store's API key; required. */
    public Builder apiKey(String apiKey) {
      channel.apiKey(apiKey);
      return this;
    }

    /** Connects without TLS: a server on localhost or a private network only. */
    public Builder usePlaintext() {
      channel.usePlaintext();
      return this;
    }

    /** Trusts server certificates signed by these CA certificates (PEM), e.g. the company's CA. */
    public Builder trustedCertificates(File caCertificatesPem) {
      channel.trustedCertificates(caCertificatesPem);
      return this;
    }

    /** Presents this client certificate and key (PEM, PKCS#8) to a server that requires mutual TLS. */
    public Builder clientCertificate(File certificatePem, File privateKeyPem) {
      channel.clientCertificate(certificatePem, privateKeyPem);
      return this;
    }

    /** The name the server's certificate must carry, when it is not the target's host name. */
    public Builder overrideAuthority(String authority) {
      channel.overrideAuthority(authority);
      return this;
    }

    /** Names the program in every call's user agent (the server logs it). */
    public Builder userAgent(String userAgent) {
      channel.userAgent(userAgent);
      return this;
    }

    /** Each call's deadline, all its retries included; 30 s unless set. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** How failed calls are retried; {@link RetrySettings#DEFAULT} unless set. */
    public Builder retrySettings(RetrySettings retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** Opens the client's channel (TLS unless {@link #usePlaintext()}). */
    public CustomersClient build() {
      return new CustomersClient(channel.build(), timeout, retry, d -> Thread.sleep(d.toMillis()));
    }
  }
}
