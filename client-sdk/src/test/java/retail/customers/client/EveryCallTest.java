package retail.customers.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.AuditServiceGrpc;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.TaxClassServiceGrpc;

/** The client has a method for every RPC of the API, so that no caller has to fall back on raw stubs. */
class EveryCallTest {
  @Test
  void everyRpcOfEveryServiceHasAMethodOfTheSameName() {
    Set<String> methods = Arrays.stream(CustomersClient.class.getMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()))
        .map(Method::getName)
        .collect(Collectors.toSet());
    List<String> missing = new ArrayList<>();
    for (ServiceDescriptor service : List.of(CustomerServiceGrpc.getServiceDescriptor(), CustomerTypeServiceGrpc.getServiceDescriptor(),
        TaxClassServiceGrpc.getServiceDescriptor(), CustomFieldServiceGrpc.getServiceDescriptor(),
        ApiKeyServiceGrpc.getServiceDescriptor(), AuditServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> rpc : service.getMethods()) {
        String bare = rpc.getBareMethodName();
        String method = Character.toLowerCase(bare.charAt(0)) + bare.substring(1);
        if (!methods.contains(method)) {
          missing.add(rpc.getFullMethodName());
        }
      }
    }

    assertThat(missing).isEmpty();
  }
}
