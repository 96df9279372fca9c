package retail.customers.server.customer;

import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.grpc.ResourceNames.CUSTOMERS;

import java.time.Clock;
import java.time.OffsetDateTime;
import com.google.protobuf.FieldMask;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.impl.SQLDataType;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.audit.AuditLog;
import retail.customers.server.auth.Caller;
import retail.customers.server.customfield.CustomFieldDefinitions;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Violations;
import retail.customers.server.idempotency.IdempotentRequests;
import retail.customers.server.ids.Ids;
import retail.customers.server.validation.Emails;
import retail.customers.server.validation.Texts;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.CustomerView;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EnsureCustomerResponse;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.MergeCustomersRequest;
import retail.customers.v1.Source;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * What can be done to customers, independent of how the request arrived: the
 * single calls, the batches and the import all go through here, so they share
 * validation, idempotency and the rules of each state (archived, erased,
 * merged).
 */
public final class CustomerCommands {
  private static final int MAX_MERGE_HOPS = 16;
  /** Which customer an answer is about, for the idempotency store. */
  private static final Function<Customer, UUID> SUBJECT = c -> ResourceNames.tryParseUuid(c.getName(), CUSTOMERS);

  private final IdempotentRequests idempotency;
  private final CustomFieldDefinitions definitions;
  private final Clock clock;
  private final CustomerValidator validator;
  private final CustomerRepository repository = new CustomerRepository();

  public CustomerCommands(IdempotentRequests idempotency, CustomFieldDefinitions definitions, Clock clock) {
    this.idempotency = idempotency;
    this.definitions = definitions;
    this.clock = clock;
    this.validator = new CustomerValidator(clock);
  }

  /** Reads a customer; a merged customer resolves to its survivor. */
  public Customer get(DSLContext dsl, Caller caller, String name, String field, CustomerView view) {
    UUID id = ResourceNames.parseUuid(name, CUSTOMERS, field);
    return find(dsl, caller, id, view).orElseThrow(() -> ApiException.notFound(name));
  }

  Optional<Customer> find(DSLContext dsl, Caller caller, UUID id, CustomerView view) {
    UUID current = id;
    for (int hop = 0; hop < MAX_MERGE_HOPS; hop++) {
      Optional<CustomerRepository.Read> read = repository.find(dsl, caller.tenantId(), current);
      if (read.isEmpty() || read.get().row().get(CUSTOMER.MERGED_INTO) == null) {
        return read.map(r -> toProto(r, view));
      }
      current = read.get().row().get(CUSTOMER.MERGED_INTO);
    }
    throw new IllegalStateException("merge chain of customer " + id + " is longer than " + MAX_MERGE_HOPS);
  }

  /** Reads several customers in one query (merged ones resolve to their survivors); absent ids are left out. */
  public Map<UUID, Customer> findAll(DSLContext dsl, Caller caller, Collection<UUID> ids, CustomerView view) {
    Map<UUID, Customer> found = new HashMap<>();
    for (CustomerRepository.Read read : repository.findAll(dsl, caller.tenantId(), ids)) {
      UUID id = read.row().id();
      if (read.row().get(CUSTOMER.MERGED_INTO) == null) {
        found.put(id, toProto(read, view));
      } else {
        find(dsl, caller, id, view).ifPresent(c -> found.put(id, c));
      }
    }
    return found;
  }

  /** A customer read on its own, with the customers merged into it. */
  private static Customer toProto(CustomerRepository.Read read, CustomerView view) {
    Customer customer = CustomerMapper.toProto(read.row(), view);
    if (read.merged().isEmpty()) {
      return customer;
    }
    return customer.toBuilder()
        .addAllMergedCustomers(read.merged().stream().map(id -> ResourceNames.format(CUSTOMERS, id)).toList())
        .build();
  }

  /** The customer that {@code id} resolves to: itself, or the last of its chain of merges. */
  private UUID finalSurvivor(DSLContext tx, Caller caller, UUID id) {
    UUID current = id;
    for (int hop = 0; hop < MAX_MERGE_HOPS; hop++) {
      UUID next = tx.select(CUSTOMER.MERGED_INTO).from(CUSTOMER)
          .where(CUSTOMER.TENANT_ID.eq(caller.tenantId()), CUSTOMER.ID.eq(current))
          .fetchOptional(CUSTOMER.MERGED_INTO).orElse(null);
      if (next == null) {
        return current;
      }
      current = next;
    }
    throw new IllegalStateException("merge chain of customer " + id + " is longer than " + MAX_MERGE_HOPS);
  }

  /**
   * Merges one customer into another (MergeCustomers states the rules).
   * Both rows are locked in id order, so that two merges of the same pair,
   * either way round, wait for each other instead of deadlocking; the
   * survivor named is followed to its final survivor first.
   */
  public Customer merge(DSLContext dsl, Caller caller, MergeCustomersRequest request) {
    Violations violations = new Violations();
    UUID survivorId = parseName(violations, "survivor", request.getSurvivor());
    UUID mergedId = parseName(violations, "merged", request.getMerged());
    Set<String> preferSurvivor = choices(violations, "prefer_survivor_fields", request.getPreferSurvivorFields());
    Set<String> preferMerged = choices(violations, "prefer_merged_fields", request.getPreferMergedFields());
    for (String path : preferMerged) {
      if (preferSurvivor.contains(path)) {
        violations.add("prefer_merged_fields", "\"" + path + "\" is also in prefer_survivor_fields: choose one customer per field");
      }
    }
    violations.throwIfAny();
    return idempotency.write(dsl, caller, request, Customer.parser(), SUBJECT,
        tx -> {
          UUID survivor = finalSurvivor(tx, caller, survivorId);
          String survivorName = ResourceNames.format(CUSTOMERS, survivor);
          if (survivor.equals(mergedId)) {
            throw ApiException.invalidState("cannot merge " + request.getMerged() + " into itself");
          }
          boolean survivorFirst = survivor.compareTo(mergedId) < 0;
          CustomerRecord first = lockMergeable(tx, caller, survivorFirst ? survivor : mergedId);
          CustomerRecord second = lockMergeable(tx, caller, survivorFirst ? mergedId : survivor);
          CustomerRecord survivorRow = survivorFirst ? first : second;
          CustomerRecord mergedRow = survivorFirst ? second : first;
          if (survivorRow.getMergedInto() != null) {
            throw ApiException.concurrentModification(); // merged away since it was followed: try again
          }
          if (mergedRow.getMergedInto() != null) {
            throw merged(tx, caller, request.getMerged(), mergedRow.getMergedInto());
          }
          Etags.check(request.getSurvivorEtag(), survivorRow.getVersion(), survivorName);
          Etags.check(request.getMergedEtag(), mergedRow.getVersion(), request.getMerged());
          Customer survivorNow = CustomerMapper.toProto(survivorRow);
          Customer mergedNow = CustomerMapper.toProto(mergedRow);
          boolean mergedIsNewer = mergedRow.getUpdateTime().isAfter(survivorRow.getUpdateTime());
          Customer combined =
              MergeRules.combine(survivorNow, mergedNow, new MergeRules.Choices(preferSurvivor, preferMerged, mergedIsNewer));
          Customer valid = validator.validate(CustomerReferences.live(tx, caller.tenantId(), definitions), caller, "customer",
              combined, survivorNow, CustomerValidator.Purpose.update(true));
          // The merge is one MERGED event: the survivor's own update is none (V9).
          tx.select(function("set_config", SQLDataType.VARCHAR, val("customers.merge_survivor"), val(survivor.toString()), val(true)))
              .fetch();
          repository.update(tx, CustomerMapper.toRecord(valid, survivorRow));
          repository.repointMerged(tx, caller.tenantId(), mergedId, survivor);
          mergedRow.setMergedInto(survivor);
          repository.update(tx, mergedRow);
          AuditLog.record(tx, caller, "CUSTOMERS_MERGED", survivorName, Map.of("merged", request.getMerged()));
          return find(tx, caller, survivor, CustomerView.CUSTOMER_VIEW_FULL).orElseThrow();
        });
  }

  private static UUID parseName(Violations violations, String field, String name) {
    UUID id = ResourceNames.tryParseUuid(name, CUSTOMERS);
    if (id == null) {
      violations.add(field, ResourceNames.describe(name, CUSTOMERS));
    }
    return id;
  }

  private static Set<String> choices(Violations violations, String field, FieldMask mask) {
    Set<String> paths = new LinkedHashSet<>();
    for (String path : mask.getPathsList()) {
      if (MergeRules.choosable(path)) {
        paths.add(path);
      } else {
        violations.add(field, "\"" + (path.length() > 80 ? path.substring(0, 80) + "..." : path) + "\" is not a field a merge chooses: a top-level customer field, address,"
            + " or custom_fields.{custom_field} (tags are united, consents take the more recent decision)");
      }
    }
    return paths;
  }

  /** The row, locked, if it may take part in a merge (it exists and is not erased). */
  private CustomerRecord lockMergeable(DSLContext tx, Caller caller, UUID id) {
    String name = ResourceNames.format(CUSTOMERS, id);
    CustomerRecord row = repository.findForUpdate(tx, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(name));
    if (row.getEraseTime() != null) {
      throw ApiException.erased(name);
    }
    return row;
  }

  /** CUSTOMER_MERGED for a write to {@code name}, merged into {@code into}: naming its final survivor. */
  private ApiException merged(DSLContext tx, Caller caller, String name, UUID into) {
    return ApiException.merged(name, ResourceNames.format(CUSTOMERS, finalSurvivor(tx, caller, into)));
  }

  /** Validates a new customer; INVALID_ARGUMENT naming every bad field. */
  public Customer validateNew(DSLContext dsl, Caller caller, Customer customer, Source defaultSource) {
    return validateNew(CustomerReferences.live(dsl, caller.tenantId(), definitions), caller, customer, defaultSource);
  }

  /** Validates a new customer against known references (an import's snapshot). */
  public Customer validateNew(CustomerReferences references, Caller caller, Customer customer, Source defaultSource) {
    return validator.validate(references, caller, "customer", customer, null, CustomerValidator.Purpose.create(defaultSource));
  }

  /** A snapshot of the caller's references, for validating many customers in a row. */
  public CustomerReferences referencesSnapshot(DSLContext dsl, Caller caller) {
    return CustomerReferences.snapshot(dsl, caller.tenantId(), definitions);
  }

  public Customer create(DSLContext dsl, Caller caller, CreateCustomerRequest request) {
    Customer valid;
    try {
      valid = validateNew(dsl, caller, request.getCustomer(), Source.SOURCE_API);
    } catch (ApiException invalid) {
      // A retry of a create that succeeded gets its first answer even if the
      // rules changed since (a field became required). Looking only when
      // validation fails keeps a round trip off every successful create.
      return idempotency.replay(dsl, caller, request, Customer.parser()).orElseThrow(() -> invalid);
    }
    return idempotency.write(dsl, caller, request, Customer.parser(), SUBJECT, tx -> insert(tx, caller, valid, Ids.newId()));
  }

  /**
   * Creates a batch's customers in a few statements, whatever their number:
   * one look-up of the answers stored for their request ids, one INSERT of
   * every valid new customer (its statement triggers fire once for all), one
   * INSERT of their answers. The results are those that
   * {@link #create} item by item would give. Empty when the batch must be
   * written item by item after all: it repeats a request id, or a
   * concurrent run of one of its requests stored its answer first. A
   * statement that fails (a constraint) throws; the caller rolls back and
   * writes item by item, which reports the failure on its own item.
   */
  Optional<List<CustomerResult>> createAll(DSLContext tx, Caller caller, List<CreateCustomerRequest> requests) {
    if (!IdempotentRequests.distinctIds(requests)) {
      return Optional.empty();
    }
    CustomerReferences references = referencesSnapshot(tx, caller);
    Map<Integer, IdempotentRequests.Replay<Customer>> replays = idempotency.storedAll(tx, caller, requests, Customer.parser());
    CustomerResult[] results = new CustomerResult[requests.size()];
    List<Integer> written = new ArrayList<>();
    List<CustomerRecord> rows = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      if (replays.containsKey(i)) {
        results[i] = replayed(replays.get(i));
        continue;
      }
      try {
        rows.add(newRecord(caller, validateNew(references, caller, requests.get(i).getCustomer(), Source.SOURCE_API), Ids.newId()));
        written.add(i);
      } catch (ApiException invalid) {
        results[i] = BatchWrites.failure(invalid);
      }
    }
    return finish(tx, caller, requests, results, written, rows, rows.isEmpty() ? Map.of() : repository.insertAll(tx, rows));
  }

  /** Inserts a validated customer with the given id; returns it as stored. */
  public Customer insert(DSLContext tx, Caller caller, Customer valid, UUID id) {
    return full(repository.insert(tx, newRecord(caller, valid, id)));
  }

  /** The row of a validated new customer of the caller's tenant, with the given id. */
  public static CustomerRecord newRecord(Caller caller, Customer valid, UUID id) {
    return CustomerMapper.toRecord(valid, new CustomerRecord())
        .setTenantId(caller.tenantId())
        .setId(id)
        .setSource(CustomerMapper.sourceName(valid.getSource()));
  }

  public Customer update(DSLContext dsl, Caller caller, UpdateCustomerRequest request) {
    Customer input = request.getCustomer();
    UUID id = ResourceNames.parseUuid(input.getName(), CUSTOMERS, "customer.name");
    return idempotency.write(dsl, caller, request, Customer.parser(), SUBJECT,
        tx -> {
          CustomerRecord row = lockWritable(tx, caller, id, input.getName(), input.getEtag());
          return full(repository.update(tx, updated(CustomerReferences.live(tx, caller.tenantId(), definitions), caller, request, row)));
        });
  }

  /** The row as the request would leave it, validated; the row as it is, locked and writable. */
  private CustomerRecord updated(CustomerReferences references, Caller caller, UpdateCustomerRequest request, CustomerRecord row) {
    Customer current = CustomerMapper.toProto(row);
    CustomerUpdates.Result merged = CustomerUpdates.apply(request.getUpdateMask(), request.getCustomer(), current);
    Customer valid = validator.validate(references, caller, "customer", merged.customer(), current,
        CustomerValidator.Purpose.update(merged.customFieldsChanged()));
    return CustomerMapper.toRecord(valid, row);
  }

  /**
   * Updates a batch's customers in a few statements whatever their number:
   * one look-up of stored answers, one SELECT that locks every row (in id
   * order), the UPDATEs sent together in one JDBC batch, one read back, one
   * INSERT of the answers. The results are those that {@link #update} item
   * by item would give. Empty when the batch must be written item by item
   * after all: it repeats a request id or a customer (the second update
   * sees the first's result), or a concurrent run of one of its requests
   * stored its answer first. A statement that fails throws; the caller
   * rolls back and writes item by item.
   */
  Optional<List<CustomerResult>> updateAll(DSLContext tx, Caller caller, List<UpdateCustomerRequest> requests) {
    if (!IdempotentRequests.distinctIds(requests)) {
      return Optional.empty();
    }
    Map<Integer, IdempotentRequests.Replay<Customer>> replays = idempotency.storedAll(tx, caller, requests, Customer.parser());
    Set<UUID> ids = new LinkedHashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      UUID id = ResourceNames.tryParseUuid(requests.get(i).getCustomer().getName(), CUSTOMERS);
      if (!replays.containsKey(i) && id != null && !ids.add(id)) {
        return Optional.empty();
      }
    }
    Map<UUID, CustomerRecord> locked = repository.lockAll(tx, caller.tenantId(), ids);
    CustomerReferences references = referencesSnapshot(tx, caller);
    CustomerResult[] results = new CustomerResult[requests.size()];
    List<Integer> written = new ArrayList<>();
    List<CustomerRecord> rows = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      if (replays.containsKey(i)) {
        results[i] = replayed(replays.get(i));
        continue;
      }
      UpdateCustomerRequest request = requests.get(i);
      Customer input = request.getCustomer();
      try {
        UUID id = ResourceNames.parseUuid(input.getName(), CUSTOMERS, "customer.name");
        CustomerRecord row = writable(tx, caller, locked.get(id), input.getName(), input.getEtag());
        rows.add(updated(references, caller, request, row));
        written.add(i);
      } catch (ApiException failed) {
        results[i] = BatchWrites.failure(failed);
      }
    }
    return finish(tx, caller, requests, results, written, rows,
        rows.isEmpty() ? Map.of() : repository.updateAll(tx, caller.tenantId(), rows));
  }

  /** A batch item's stored answer as its result, or the error of a reused request id. */
  private static CustomerResult replayed(IdempotentRequests.Replay<Customer> replay) {
    return replay.error() == null ? BatchWrites.success(replay.answer()) : BatchWrites.failure(replay.error());
  }

  /**
   * A bulk write's end: each written item's result is its row as stored,
   * and the answers are stored for the request ids; empty when one of those
   * was taken meanwhile (the batch is then written item by item).
   *
   * @param written the index of each item written, in the order of {@code rows}
   * @param stored the rows as written, by id
   */
  private <Q extends com.google.protobuf.Message> Optional<List<CustomerResult>> finish(
      DSLContext tx, Caller caller, List<Q> requests, CustomerResult[] results, List<Integer> written, List<CustomerRecord> rows,
      Map<UUID, CustomerRow> stored) {
    List<Q> writtenRequests = new ArrayList<>(written.size());
    List<Customer> answers = new ArrayList<>(written.size());
    for (int j = 0; j < written.size(); j++) {
      Customer customer = full(stored.get(rows.get(j).getId()));
      results[written.get(j)] = BatchWrites.success(customer);
      writtenRequests.add(requests.get(written.get(j)));
      answers.add(customer);
    }
    if (!written.isEmpty() && !idempotency.storeAll(tx, caller, writtenRequests, answers, SUBJECT)) {
      return Optional.empty();
    }
    return Optional.of(List.of(results));
  }

  /** Archives; archiving an archived customer changes nothing. */
  public Customer archive(DSLContext dsl, Caller caller, DeleteCustomerRequest request) {
    UUID id = ResourceNames.parseUuid(request.getName(), CUSTOMERS, "name");
    return idempotency.write(dsl, caller, request, Customer.parser(), SUBJECT,
        tx -> {
          CustomerRecord row = lockWritable(tx, caller, id, request.getName(), request.getEtag());
          if (row.getDeleteTime() != null) {
            return read(tx, caller, id);
          }
          // The server's clock, like every time the server decides (consents, birth dates).
          row.setDeleteTime(OffsetDateTime.now(clock));
          return full(repository.update(tx, row));
        });
  }

  /** Restores; restoring an active customer changes nothing. */
  public Customer restore(DSLContext dsl, Caller caller, UndeleteCustomerRequest request) {
    UUID id = ResourceNames.parseUuid(request.getName(), CUSTOMERS, "name");
    return idempotency.write(dsl, caller, request, Customer.parser(), SUBJECT,
        tx -> {
          CustomerRecord row = lockWritable(tx, caller, id, request.getName(), request.getEtag());
          if (row.getDeleteTime() == null) {
            return read(tx, caller, id);
          }
          row.setDeleteTime(null);
          return full(repository.update(tx, row));
        });
  }

  /**
   * Erases the personal data for good: every writable field is cleared, the
   * replayable answers that held it are deleted, and the erasure is written
   * to the audit trail. The id, source and times stay for the sales history.
   */
  public Customer erase(DSLContext dsl, Caller caller, EraseCustomerRequest request) {
    UUID id = ResourceNames.parseUuid(request.getName(), CUSTOMERS, "name");
    Violations violations = new Violations();
    String reason = Texts.required(violations, "reason", request.getReason(), 500);
    violations.throwIfAny();
    return idempotency.write(dsl, caller, request, Customer.parser(), SUBJECT,
        tx -> {
          CustomerRecord row = lockWritable(tx, caller, id, request.getName(), request.getEtag());
          CustomerMapper.toRecord(Customer.getDefaultInstance(), row);
          row.setEraseTime(OffsetDateTime.now(clock));
          if (row.getDeleteTime() == null) {
            row.setDeleteTime(row.getEraseTime());
          }
          Customer erased = full(repository.update(tx, row));
          // The customers merged into this one held the same person's data.
          for (CustomerRecord merged : repository.mergedIntoForUpdate(tx, caller.tenantId(), id)) {
            CustomerMapper.toRecord(Customer.getDefaultInstance(), merged);
            merged.setEraseTime(row.getEraseTime());
            repository.update(tx, merged);
            IdempotentRequests.forgetCustomer(tx, caller.tenantId(), merged.getId());
          }
          IdempotentRequests.forgetCustomer(tx, caller.tenantId(), id);
          AuditLog.record(tx, caller, "CUSTOMER_ERASED", request.getName(), Map.of("reason", reason));
          return erased;
        });
  }

  /**
   * Finds the customer by external reference (else e-mail) or creates it.
   * Concurrent calls for the same key are serialised by a transaction-scoped
   * advisory lock on it, so exactly one of them creates.
   */
  public EnsureCustomerResponse ensure(DSLContext dsl, Caller caller, EnsureCustomerRequest request) {
    Customer input = request.getCustomer();
    String reference = input.getExternalReference().strip();
    String email = Emails.normalize(input.getEmail()).orElse("");
    if (reference.isEmpty() && input.getEmail().isBlank()) {
      Violations violations = new Violations();
      violations.add("customer.external_reference", "external_reference or email is required to find the customer");
      violations.add("customer.email", "external_reference or email is required to find the customer");
      violations.throwIfAny();
    }
    Customer valid;
    try {
      valid = validateNew(dsl, caller, input, Source.SOURCE_ECOMMERCE);
    } catch (ApiException invalid) {
      return idempotency.replay(dsl, caller, request, EnsureCustomerResponse.parser()).orElseThrow(() -> invalid);
    }
    return idempotency.write(dsl, caller, request, EnsureCustomerResponse.parser(),
        r -> SUBJECT.apply(r.getCustomer()),
        tx -> {
          String key = reference.isEmpty() ? "email:" + email.toLowerCase(Locale.ROOT) : "ref:" + reference;
          lock(tx, caller, key);
          Optional<UUID> existing =
              reference.isEmpty()
                  ? repository.findByEmail(tx, caller.tenantId(), email)
                  : repository.findByExternalReference(tx, caller.tenantId(), reference);
          if (existing.isPresent()) {
            return EnsureCustomerResponse.newBuilder().setCustomer(read(tx, caller, existing.get())).setCreated(false).build();
          }
          return EnsureCustomerResponse.newBuilder().setCustomer(insert(tx, caller, valid, Ids.newId())).setCreated(true).build();
        });
  }

  private static void lock(DSLContext tx, Caller caller, String key) {
    tx.select(function("pg_advisory_xact_lock", SQLDataType.OTHER,
            function("hashtextextended", SQLDataType.BIGINT, val(caller.tenantId() + "/" + key), val(0L))))
        .fetch();
  }

  /** The row, locked for the rest of the transaction, if it may still change. */
  private CustomerRecord lockWritable(DSLContext tx, Caller caller, UUID id, String name, String etag) {
    return writable(tx, caller, repository.findForUpdate(tx, caller.tenantId(), id).orElse(null), name, etag);
  }

  /** The row if there is one and it may still change, at the version the etag names. */
  private CustomerRecord writable(DSLContext tx, Caller caller, CustomerRecord row, String name, String etag) {
    if (row == null) {
      throw ApiException.notFound(name);
    }
    if (row.getEraseTime() != null) {
      throw ApiException.erased(name);
    }
    if (row.getMergedInto() != null) {
      throw merged(tx, caller, name, row.getMergedInto());
    }
    Etags.check(etag, row.getVersion(), name);
    return row;
  }

  private static Customer full(CustomerRow row) {
    return CustomerMapper.toProto(row, CustomerView.CUSTOMER_VIEW_FULL);
  }

  private Customer read(DSLContext tx, Caller caller, UUID id) {
    return repository.find(tx, caller.tenantId(), id)
        .map(r -> toProto(r, CustomerView.CUSTOMER_VIEW_FULL))
        .orElseThrow(() -> new IllegalStateException("customer " + id + " vanished inside its own transaction"));
  }
}
