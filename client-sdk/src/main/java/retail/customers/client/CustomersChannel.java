package retail.customers.client;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Grpc;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.TaxClassServiceGrpc;

/**
 * An authenticated connection to the customer-accounts API, and its stubs.
 *
 * <p>Every call made through the stubs of this class carries the API key
 * (metadata {@code authorization: Bearer <key>}), which decides the store.
 * Create one per process and share it: a channel multiplexes any number of
 * concurrent calls. Close it when done.
 *
 * <pre>{@code
 * try (CustomersChannel api = CustomersChannel.builder("customers.example.com:443")
 *         .apiKey(System.getenv("CUSTOMERS_API_KEY"))
 *         .build()) {
 *   Customer created = api.customers().createCustomer(
 *       CreateCustomerRequest.newBuilder()
 *           .setCustomer(Customer.newBuilder().setFirstName("Betty").setLastName("Smith"))
 *           .setRequestId(UUID.randomUUID().toString())
 *           .build());
 * }
 * }</pre>
 */
public final class CustomersChannel implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel channel;
  private final CallCredentials credentials;

  private CustomersChannel(ManagedChannel channel, String apiKey) {
    this.channel = channel;
    this.credentials = new BearerCredentials(apiKey);
  }

  /**
   * Starts building a connection to {@code target}, e.g. {@code "localhost:50051"}.
   *
   * <pre>{@code
   * CustomersChannel api = CustomersChannel.builder("localhost:50051").apiKey(key).usePlaintext().build();
   * }</pre>
   */
  public static Builder builder(String target) {
    return new Builder(target);
  }

  /**
   * Wraps a channel that the caller built (in-process for tests, custom TLS,
   * proxies); closing this object shuts it down.
   *
   * <pre>{@code
   * CustomersChannel api = CustomersChannel.wrap(InProcessChannelBuilder.forName("test").build(), key);
   * }</pre>
   */
  public static CustomersChannel wrap(ManagedChannel channel, String apiKey) {
    return new CustomersChannel(Objects.requireNonNull(channel, "channel"), requireKey(apiKey));
  }

  /**
   * Customers: create, read, update, archive, erase, search, export, import.
   *
   * <pre>{@code
   * Customer c = api.customers().getCustomer(GetCustomerRequest.newBuilder().setName(name).build());
   * }</pre>
   */
  public CustomerServiceGrpc.CustomerServiceBlockingStub customers() {
    return CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  /**
   * The asynchronous customer stub, for streaming calls (export, import, watch).
   *
   * <pre>{@code
   * StreamObserver<ImportCustomersRequest> upload = api.customersAsync().importCustomers(resultObserver);
   * }</pre>
   */
  public CustomerServiceGrpc.CustomerServiceStub customersAsync() {
    return CustomerServiceGrpc.newStub(channel).withCallCredentials(credentials);
  }

  /**
   * Customer types (VIP, student...).
   *
   * <pre>{@code
   * CustomerType vip = api.customerTypes().createCustomerType(...);
   * }</pre>
   */
  public CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub customerTypes() {
    return CustomerTypeServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  /**
   * Tax classes.
   *
   * <pre>{@code
   * ListTaxClassesResponse page = api.taxClasses().listTaxClasses(ListTaxClassesRequest.getDefaultInstance());
   * }</pre>
   */
  public TaxClassServiceGrpc.TaxClassServiceBlockingStub taxClasses() {
    return TaxClassServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  /**
   * Custom field definitions.
   *
   * <pre>{@code
   * CustomField size = api.customFields().getCustomField(GetCustomFieldRequest.newBuilder().setName("customFields/shoe_size").build());
   * }</pre>
   */
  public CustomFieldServiceGrpc.CustomFieldServiceBlockingStub customFields() {
    return CustomFieldServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  /** ApiKeyService, with this channel's key (which needs the scope customers.admin). */
  public retail.customers.v1.ApiKeyServiceGrpc.ApiKeyServiceBlockingStub apiKeys() {
    return retail.customers.v1.ApiKeyServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  /** AuditService, with this channel's key (which needs the scope customers.admin). */
  public retail.customers.v1.AuditServiceGrpc.AuditServiceBlockingStub audit() {
    return retail.customers.v1.AuditServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
  }

  /**
   * Whether the server answers and serves: the standard gRPC health check,
   * which needs no key.
   *
   * <pre>{@code
   * if (!api.isServing()) { ... }
   * }</pre>
   */
  public boolean isServing() {
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
    return health.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
  }

  /** The underlying channel, for stubs of other services or custom call options. */
  public ManagedChannel channel() {
    return channel;
  }

  /** Shuts the channel down, waiting up to five seconds for calls in flight. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static String requireKey(String apiKey) {
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("an API key is required");
    }
    return apiKey.strip();
  }

  /** Options of a {@link CustomersChannel}. */
  public static final class Builder {
    private final String target;
    private String apiKey;
    private boolean plaintext;
    private File trustedCertificates;
    private File clientCertificate;
    private File clientKey;
    private String authority;
    private String userAgent;

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** The API key of the store; required. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** Connects without TLS: for a server on localhost or a private network only. */
    public Builder usePlaintext() {
      this.plaintext = true;
      return this;
    }

    /**
     * Trusts the server certificates signed by these CA certificates (PEM)
     * instead of the JVM's default trust store: for a server whose
     * certificate comes from the company's own CA.
     */
    public Builder trustedCertificates(File caCertificatesPem) {
      this.trustedCertificates = Objects.requireNonNull(caCertificatesPem, "caCertificatesPem");
      return this;
    }

    /** Presents this client certificate and key (PEM, PKCS#8) to a server that requires mutual TLS. */
    public Builder clientCertificate(File certificatePem, File privateKeyPem) {
      this.clientCertificate = Objects.requireNonNull(certificatePem, "certificatePem");
      this.clientKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    /** The name the server's certificate must carry, when it is not the target's host name. */
    public Builder overrideAuthority(String authority) {
      this.authority = Objects.requireNonNull(authority, "authority");
      return this;
    }

    /** Names the program in every call's user agent. */
    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      return this;
    }

    /**
     * Opens the channel: TLS (with the JVM's trust store, or the
     * {@link #trustedCertificates} given) unless {@link #usePlaintext()}.
     *
     * @throws IllegalStateException if a certificate or key cannot be read, or TLS options come with plaintext
     */
    public CustomersChannel build() {
      String key = requireKey(apiKey);
      ManagedChannelBuilder<?> builder;
      if (plaintext) {
        if (trustedCertificates != null || clientCertificate != null) {
          throw new IllegalStateException("TLS certificates were given for a plaintext channel");
        }
        builder = ManagedChannelBuilder.forTarget(target).usePlaintext();
      } else {
        TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
        try {
          if (trustedCertificates != null) {
            tls.trustManager(trustedCertificates);
          }
          if (clientCertificate != null) {
            tls.keyManager(clientCertificate, clientKey);
          }
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the TLS certificates: " + e.getMessage(), e);
        }
        builder = Grpc.newChannelBuilder(target, tls.build());
      }
      if (authority != null) {
        builder.overrideAuthority(authority);
      }
      if (userAgent != null) {
        builder.userAgent(userAgent);
      }
      return new CustomersChannel(builder.build(), key);
    }
  }

  private static final class BearerCredentials extends CallCredentials {
    private final String value;

    BearerCredentials(String apiKey) {
      this.value = "Bearer " + apiKey;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, value);
      applier.apply(headers);
    }
  }
}
