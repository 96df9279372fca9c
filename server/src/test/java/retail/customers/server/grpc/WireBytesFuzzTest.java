package retail.customers.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.jooq.impl.DSL;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Errors;
import retail.customers.server.testing.FuzzScale;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.Address;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportOptions;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * Raw bytes on the wire, as a broken or hostile client sends them: text that
 * is not UTF-8 in every kind of string field (nested, repeated, map values,
 * tokens, request ids, order_by), and random mutations of valid requests,
 * sent over a real port with a byte-array marshaller that no stub would use.
 *
 * <p>Protobuf refuses such bytes before any service code runs; grpc-java
 * answered INTERNAL (or UNKNOWN) with no details. Every answer must now be
 * INVALID_ARGUMENT naming the field (or another clear answer, for mutations
 * that still parse), never INTERNAL or UNKNOWN, within the deadline, and
 * the connection must serve the next call.
 *
 * <p>The property's tries are multiplied by {@code -Dfuzz.scale=N}.
 */
@AddLifecycleHook(FuzzScale.class)
class WireBytesFuzzTest {
  private static Database database;
  private static String databaseName;
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;
  private static ApiKeys.MintedKey store;
  private static Customer existing;
  private static final String SEED = "20261208";
  /** Replaced in a serialized request by as many bytes that are not UTF-8. */
  private static final String MARK = "~BADBYTES~";
  private static final Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);

  @BeforeContainer
  static void start() throws Exception {
    database = TestDatabases.create();
    databaseName = database.dsl().fetchValue(DSL.field("current_database()", String.class));
    services = new ApiServices(TestDatabases.serving(databaseName), Clock.systemUTC(),
        ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(0, 0));
    server = services.configure(NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    store = services.apiKeys().createTenant("Bytes store", "CA");
    existing = CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()))
        .createCustomer(CreateCustomerRequest.newBuilder().setCustomer(retail.customers.server.testing.Customers.valid()).build());
  }

  @AfterContainer
  static void stop() throws Exception {
    System.out.println("WireBytesFuzzTest (fuzz.scale " + FuzzScale.SCALE + ") answers to mutated requests by code: " + codes);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    database.close();
    TestDatabases.drop(databaseName);
  }

  // ---- raw calls ----

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(method.getType()).setFullMethodName(method.getFullMethodName())
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  /** How a call ended; {@code hung} if it was not answered within its deadline. */
  record Answer(Status status, Metadata trailers, boolean hung, List<byte[]> messages) {
    Status.Code code() {
      return hung ? Status.Code.DEADLINE_EXCEEDED : status.getCode();
    }

    Map<String, String> violations() {
      com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
      return Errors.violationsOf(details);
    }

    /** A batch's answer for each item: its error's code and field violations. */
    List<com.google.rpc.Status> itemErrors() {
      try {
        return retail.customers.v1.BatchCreateCustomersResponse.parseFrom(messages.getFirst()).getResultsList().stream()
            .map(retail.customers.v1.CustomerResult::getError).toList();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** Sends {@code messages} as they are to {@code method} (any kind), and waits for the end of the call. */
  static Answer send(MethodDescriptor<?, ?> method, byte[]... messages) {
    ClientCall<byte[], byte[]> call = channel.newCall(raw(method),
        CallOptions.DEFAULT.withCallCredentials(ApiServer.bearer(store.key())).withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<Answer> ended = new CompletableFuture<>();
    List<byte[]> answers = java.util.Collections.synchronizedList(new ArrayList<>());
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        answers.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        ended.complete(new Answer(status, trailers, status.getCode() == Status.Code.DEADLINE_EXCEEDED, List.copyOf(answers)));
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    for (byte[] message : messages) {
      call.sendMessage(message);
    }
    call.halfClose();
    try {
      return ended.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      call.cancel("no answer", null);
      return new Answer(Status.DEADLINE_EXCEEDED, new Metadata(), true, List.of());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The request's bytes with the mark replaced by {@code bad} (as long as the mark). */
  static byte[] withBytes(Message request, byte[] bad) {
    byte[] bytes = request.toByteArray();
    byte[] mark = MARK.getBytes(StandardCharsets.US_ASCII);
    assertThat(bad).hasSize(mark.length);
    for (int i = 0; i + mark.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + mark.length, mark, 0, mark.length)) {
        System.arraycopy(bad, 0, bytes, i, bad.length);
        return bytes;
      }
    }
    throw new AssertionError("no mark in " + request);
  }

  /** Not UTF-8, each as long as the mark: a lone continuation byte, a cut sequence, an overlong '/', a surrogate, 0xFF. */
  static final List<byte[]> NOT_UTF8 = List.of(
      bytes("ab", 0x80, "cdefghi"),
      bytes("abcdefghi", 0xC3),
      bytes("abcdefgh", 0xC0, 0xAF),
      bytes("abcdefg", 0xED, 0xA0, 0x80),
      bytes("", 0xFF, "abcdefghi"));

  private static byte[] bytes(Object... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write((Integer) part);
      }
    }
    return out.toByteArray();
  }

  /** Requests of one RPC with a value in one string field, and the field path that an error about it must name. */
  record Case(MethodDescriptor<?, ?> method, Function<String, Message> build, String field, String textField) {
    Case(MethodDescriptor<?, ?> method, Function<String, Message> build, String field) {
      this(method, build, field, field);
    }

    /** The request with the mark in the field. */
    Message request() {
      return build.apply(MARK);
    }

    Message with(String value) {
      return build.apply(value);
    }
  }

  static List<Case> cases() {
    var customers = CustomerServiceGrpc.getServiceDescriptor();
    Customer.Builder valid = retail.customers.server.testing.Customers.valid();
    List<Case> cases = new ArrayList<>();
    cases.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone().setFirstName(v)).build(), "customer.first_name"));
    cases.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone().setAddress(valid.getAddress().toBuilder().setAddressLine1(v))).build(),
        "customer.address.address_line_1"));
    cases.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone().addTags("vip").addTags(v)).build(), "customer.tags[1]"));
    cases.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone()
            .putCustomFields("size", CustomFieldValue.newBuilder().setTextValue(v).build())).build(),
        "customer.custom_fields.size.text_value", "customer.custom_fields.size"));
    cases.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone()
            .putCustomFields(v, CustomFieldValue.newBuilder().setTextValue("M").build())).build(),
        "customer.custom_fields"));
    cases.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone()).setRequestId(v).build(), "request_id"));
    cases.add(new Case(CustomerServiceGrpc.getEnsureCustomerMethod(),
        v -> EnsureCustomerRequest.newBuilder().setCustomer(valid.clone().setEmail(v)).build(), "customer.email"));
    cases.add(new Case(CustomerServiceGrpc.getGetCustomerMethod(), v -> GetCustomerRequest.newBuilder().setName(v).build(), "name"));
    cases.add(new Case(CustomerServiceGrpc.getUpdateCustomerMethod(),
        v -> UpdateCustomerRequest.newBuilder().setCustomer(Customer.newBuilder().setName(existing.getName()).setLastName("Jones"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("last_name").addPaths(v)).build(), "update_mask.paths[1]", "update_mask"));
    cases.add(new Case(CustomerServiceGrpc.getSearchCustomersMethod(),
        v -> SearchCustomersRequest.newBuilder().setQuery(v).build(), "query"));
    cases.add(new Case(CustomerServiceGrpc.getSearchCustomersMethod(),
        v -> SearchCustomersRequest.newBuilder().setPageToken(v).build(), "page_token"));
    cases.add(new Case(CustomerServiceGrpc.getSearchCustomersMethod(),
        v -> SearchCustomersRequest.newBuilder().setOrderBy(v).build(), "order_by"));
    cases.add(new Case(CustomerServiceGrpc.getSearchCustomersMethod(),
        v -> SearchCustomersRequest.newBuilder().setFilter(CustomerFilter.newBuilder().addTagsAll("vip").addTagsAll(v)).build(),
        "filter.tags_all[1]"));
    cases.add(new Case(CustomerServiceGrpc.getBatchCreateCustomersMethod(),
        v -> BatchCreateCustomersRequest.newBuilder()
            .addRequests(CreateCustomerRequest.newBuilder().setCustomer(valid.clone()))
            .addRequests(CreateCustomerRequest.newBuilder().setCustomer(valid.clone().setEmail(v))).build(),
        "requests[1].customer.email"));
    cases.add(new Case(CustomerServiceGrpc.getListTagsMethod(), v -> ListTagsRequest.newBuilder().setPrefix(v).build(), "prefix"));
    cases.add(new Case(CustomerServiceGrpc.getExportCustomersMethod(),
        v -> ExportCustomersRequest.newBuilder().setResumeToken(v).build(), "resume_token"));
    cases.add(new Case(CustomerServiceGrpc.getImportCustomersMethod(),
        v -> ImportCustomersRequest.newBuilder().setOptions(ImportOptions.newBuilder().setRequestId(v)).build(), "options.request_id"));
    cases.add(new Case(CustomerTypeServiceGrpc.getCreateCustomerTypeMethod(),
        v -> CreateCustomerTypeRequest.newBuilder().setCustomerType(CustomerType.newBuilder().setDisplayName(v)).build(),
        "customer_type.display_name"));
    cases.add(new Case(CustomerTypeServiceGrpc.getListCustomerTypesMethod(),
        v -> ListCustomerTypesRequest.newBuilder().setPageToken(v).build(), "page_token"));
    assertThat(customers.getName()).isEqualTo("retail.customers.v1.CustomerService");
    return cases;
  }

  /** The connection and the server still answer: a search of one. */
  private static void nextCallWorks() {
    Answer next = send(CustomerServiceGrpc.getSearchCustomersMethod(), SearchCustomersRequest.newBuilder().setPageSize(1).build().toByteArray());
    assertThat(next.code()).as("the call after").isEqualTo(Status.Code.OK);
  }

  @Example
  void textThatIsNotUtf8IsInvalidArgumentNamingTheField() {
    for (Case c : cases()) {
      for (byte[] bad : NOT_UTF8) {
        Answer answer = send(c.method(), withBytes(c.request(), bad));

        assertThat(answer.code()).as("%s %s", c.method().getBareMethodName(), c.field()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(answer.violations()).as("%s", c.method().getBareMethodName()).containsOnlyKeys(c.field());
        assertThat(answer.status().getDescription()).startsWith(c.field() + ": ").contains("UTF-8");
      }
      nextCallWorks();
    }
  }

  @Example
  void anImportWhoseLaterMessageIsNotUtf8EndsWithInvalidArgument() {
    byte[] options = ImportCustomersRequest.newBuilder().setOptions(ImportOptions.getDefaultInstance())
        .setData(ByteString.copyFromUtf8("First name,Last name\r\nAnn,Lee\r\n")).build().toByteArray();
    byte[] bad = withBytes(ImportCustomersRequest.newBuilder().setOptions(ImportOptions.newBuilder().setRequestId(MARK)).build(),
        NOT_UTF8.getFirst());

    Answer answer = send(CustomerServiceGrpc.getImportCustomersMethod(), options, bad);

    assertThat(answer.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(answer.violations()).containsOnlyKeys("options.request_id");
    nextCallWorks();
  }

  @Example
  void bytesCutShortAreInvalidArgumentNamingTheField() {
    byte[] whole = CreateCustomerRequest.newBuilder().setCustomer(retail.customers.server.testing.Customers.valid()).build().toByteArray();
    // customer (field 1) declares its full length, which is no longer there.
    Answer answer = send(CustomerServiceGrpc.getCreateCustomerMethod(), Arrays.copyOf(whole, whole.length - 3));

    assertThat(answer.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(answer.violations()).containsOnlyKeys("customer");
    nextCallWorks();
  }

  /** Valid UTF-8 that no field accepts: NUL, other control characters, far past every limit. */
  @Example
  void nulControlCharactersAndHugeValuesAreInvalidArgumentNamingTheField() {
    List<String> values = List.of("a\u0000b", "a\u0007b\u001b", "\u0000", "x".repeat(300_000));
    List<String> failures = new ArrayList<>();
    for (Case c : cases()) {
      for (String value : values) {
        Answer answer = send(c.method(), c.with(value).toByteArray());
        if (c.method().equals(CustomerServiceGrpc.getBatchCreateCustomersMethod()) && answer.code() == Status.Code.OK) {
          // A batch answers each item: the second's error names its field.
          com.google.rpc.Status item = answer.itemErrors().get(1);
          if (item.getCode() != Status.Code.INVALID_ARGUMENT.value() || !Errors.violationsOf(item).containsKey("customer.email")) {
            failures.add("BatchCreateCustomers item 1 email = " + describe(value) + ": " + item);
          }
          continue;
        }
        if (answer.code() != Status.Code.INVALID_ARGUMENT || answer.violations().keySet().stream().noneMatch(f -> f.startsWith(c.textField()))) {
          failures.add(c.method().getBareMethodName() + " " + c.field() + " = " + describe(value) + ": " + answer.code() + " "
              + answer.violations().keySet());
        }
        assertThat(answer.status().getDescription() == null ? 0 : answer.status().getDescription().length()).isLessThan(2_000);
      }
      nextCallWorks();
    }
    assertThat(failures).isEmpty();
  }

  private static String describe(String value) {
    return value.length() > 20 ? value.length() + " characters" : value.replace("\u0000", "\\0").replace("\u0007", "\\a").replace("\u001b", "\\e");
  }

  // ---- random mutations ----

  /** Valid requests of every unary or client-streaming RPC to mutate (a watch never ends by itself, so it is left out). */
  static List<Case> seeds() {
    Customer.Builder valid = retail.customers.server.testing.Customers.valid();
    List<Case> seeds = new ArrayList<>(cases());
    seeds.add(new Case(CustomerServiceGrpc.getCreateCustomerMethod(),
        v -> CreateCustomerRequest.newBuilder().setCustomer(valid.clone().setFirstName(v).addTags("vip")
            .putCustomFields("size", CustomFieldValue.newBuilder().setTextValue("M").build())).setRequestId(java.util.UUID.randomUUID().toString()).build(),
        ""));
    seeds.add(new Case(CustomerServiceGrpc.getImportCustomersMethod(),
        v -> ImportCustomersRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDryRun(true))
            .setData(ByteString.copyFromUtf8("First name,Last name,Email 1,Notes\r\n" + v + ",Lee,ann@example.com,\"a, b\"\r\n")).build(),
        ""));
    return seeds;
  }

  @Provide
  Arbitrary<Integer> seedIndex() {
    return Arbitraries.integers().between(0, seeds().size() - 1);
  }

  /** {@code count} random edits of {@code bytes}: a byte changed, inserted or deleted, a run cut out or repeated, 0xFF/0x80 set, the end cut. */
  static byte[] mutate(byte[] bytes, int count, long seed) {
    java.util.Random random = new java.util.Random(seed);
    byte[] out = bytes;
    for (int n = 0; n < count; n++) {
      int at = out.length == 0 ? 0 : random.nextInt(out.length);
      out = switch (random.nextInt(7)) {
        case 0 -> {
          byte[] copy = out.clone();
          if (copy.length > 0) {
            copy[at] = (byte) random.nextInt(256);
          }
          yield copy;
        }
        case 1 -> {
          byte[] copy = new byte[out.length + 1];
          System.arraycopy(out, 0, copy, 0, at);
          copy[at] = (byte) random.nextInt(256);
          System.arraycopy(out, at, copy, at + 1, out.length - at);
          yield copy;
        }
        case 2 -> {
          int length = Math.min(out.length - at, 1 + random.nextInt(8));
          byte[] copy = new byte[out.length - length];
          System.arraycopy(out, 0, copy, 0, at);
          System.arraycopy(out, at + length, copy, at, out.length - at - length);
          yield copy;
        }
        case 3 -> {
          byte[] copy = out.clone();
          if (copy.length > 0) {
            copy[at] = (byte) (random.nextBoolean() ? 0xFF : 0x80);
          }
          yield copy;
        }
        case 4 -> Arrays.copyOf(out, at);
        case 5 -> {
          int length = Math.min(out.length - at, 1 + random.nextInt(16));
          byte[] copy = new byte[out.length + length];
          System.arraycopy(out, 0, copy, 0, at + length);
          System.arraycopy(out, at, copy, at + length, out.length - at);
          yield copy;
        }
        default -> {
          byte[] copy = out.clone();
          if (copy.length > 0) {
            copy[at] ^= (byte) (1 << random.nextInt(8));
          }
          yield copy;
        }
      };
    }
    return out;
  }

  @Property(tries = 150, seed = SEED)
  void anyMutationOfAValidRequestGetsAClearAnswer(@ForAll("seedIndex") int seed, @ForAll("mutations") Mutation mutation) {
    Case c = seeds().get(seed);
    byte[] bytes = mutate(c.with(seed % 2 == 0 ? "Fuzz" : "fuzz@example.com").toByteArray(), mutation.count(), mutation.seed());

    Answer answer = send(c.method(), bytes);
    synchronized (codes) {
      codes.merge(answer.code(), 1, Integer::sum);
    }

    assertThat(answer.code()).as("%s with %s", c.method().getBareMethodName(), java.util.HexFormat.of().formatHex(bytes))
        .isNotIn(Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED);
    if (answer.code() == Status.Code.INVALID_ARGUMENT) {
      assertThat(answer.violations()).as("a field named").isNotEmpty();
    }
    nextCallWorks();
  }

  record Mutation(int count, long seed) {}

  @Provide
  Arbitrary<Mutation> mutations() {
    return Combinators.combine(Arbitraries.integers().between(1, 6), Arbitraries.longs()).as(Mutation::new);
  }
}
