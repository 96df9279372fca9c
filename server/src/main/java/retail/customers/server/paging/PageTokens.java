package retail.customers.server.paging;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Fingerprint;

/**
 * Opaque keyset page tokens (AIP-158): a serialized {@link ListValue} holding
 * a fingerprint of the query and the sort key of the last row returned, in
 * base64url.
 *
 * <p>The fingerprint covers the tenant and every request field except
 * {@code page_token} and {@code page_size}, so a token used with another
 * query, or by another tenant, is refused instead of returning a page of
 * something else.
 */
public final class PageTokens {
  private static final String VERSION = "p1";

  private PageTokens() {}

  /** A token that resumes after the row whose sort key is {@code lastKey}. */
  public static String encode(Caller caller, Message request, List<String> lastKey) {
    ListValue.Builder list = ListValue.newBuilder();
    list.addValues(Value.newBuilder().setStringValue(VERSION));
    list.addValues(Value.newBuilder().setStringValue(fingerprint(caller, request)));
    for (String key : lastKey) {
      list.addValues(key == null ? Value.newBuilder().setNullValueValue(0) : Value.newBuilder().setStringValue(key));
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(list.build().toByteArray());
  }

  /**
   * The sort key that {@code token} resumes after, with {@code size} parts
   * (null parts for SQL nulls); INVALID_ARGUMENT if the token is not one of
   * ours for this request.
   */
  public static List<String> decode(Caller caller, Message request, String token, int size) {
    ListValue list;
    try {
      list = ListValue.parseFrom(Base64.getUrlDecoder().decode(token));
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      throw ApiException.invalidPageToken("not a page token of this API");
    }
    if (list.getValuesCount() != size + 2 || !VERSION.equals(list.getValues(0).getStringValue())) {
      throw ApiException.invalidPageToken("not a page token of this API");
    }
    if (!fingerprint(caller, request).equals(list.getValues(1).getStringValue())) {
      throw ApiException.invalidPageToken(
          "the token belongs to another query: every field but page_size must stay the same between pages");
    }
    List<String> key = new ArrayList<>(size);
    for (Value value : list.getValuesList().subList(2, list.getValuesCount())) {
      key.add(value.hasNullValue() ? null : value.getStringValue());
    }
    return key;
  }

  private static String fingerprint(Caller caller, Message request) {
    Message.Builder query = request.toBuilder();
    for (String name : List.of("page_token", "page_size", "resume_token")) {
      FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
      if (field != null) {
        query.clearField(field);
      }
    }
    byte[] hash = Fingerprint.of(query.build(), caller.tenantId().toString(), request.getDescriptorForType().getFullName());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(ByteString.copyFrom(hash, 0, 12).toByteArray());
  }

  /** A UUID read from a token (null stays null); a malformed one is INVALID_ARGUMENT, as any bad token. */
  public static UUID uuid(String value) {
    if (value == null) {
      return null;
    }
    try {
      return UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidPageToken("not a page token of this API");
    }
  }

  /** The page size to use: {@code requested}, or the default when 0; INVALID_ARGUMENT when negative. */
  public static int pageSize(int requested, int defaultSize, int maxSize) {
    if (requested < 0) {
      throw ApiException.invalidField("page_size", "must not be negative");
    }
    if (requested == 0) {
      return defaultSize;
    }
    return Math.min(requested, maxSize);
  }
}
