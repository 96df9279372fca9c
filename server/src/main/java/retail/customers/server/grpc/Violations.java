package retail.customers.server.grpc;

import com.google.rpc.BadRequest.FieldViolation;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem of a request before failing, so that a client
 * learns about all its bad fields at once rather than one per round trip.
 */
public final class Violations {
  private final List<FieldViolation> list = new ArrayList<>();

  public void add(String field, String description) {
    list.add(FieldViolation.newBuilder().setField(field).setDescription(description).build());
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  public boolean has(String field) {
    return list.stream().anyMatch(v -> v.getField().equals(field));
  }

  public List<FieldViolation> list() {
    return List.copyOf(list);
  }

  /** Throws INVALID_ARGUMENT naming every collected field, if any. */
  public void throwIfAny() {
    if (!list.isEmpty()) {
      throw ApiException.invalid(list);
    }
  }
}
