package retail.customers.server.paging;

import com.google.protobuf.Message;
import java.util.List;
import java.util.function.Function;
import retail.customers.server.auth.Caller;

/**
 * Pages of the small resources (tax classes, customer types, custom fields),
 * listed by display name (ignoring case) then id, with keyset tokens.
 */
public final class NamePages {
  private static final int DEFAULT_SIZE = 50;
  private static final int MAX_SIZE = 1000;

  private NamePages() {}

  /** Reads one more row than the page holds, to know whether another page follows. */
  @FunctionalInterface
  public interface Fetch<R> {
    /**
     * The rows after the one with this name and id (both null for the first
     * page), at most {@code limit}.
     */
    List<R> after(String name, String id, int limit);
  }

  /** One page and the token of the next (empty on the last). */
  public record Page<R>(List<R> rows, String nextPageToken) {}

  /**
   * The page that {@code request} (its {@code page_size} and
   * {@code page_token}) asks for.
   */
  public static <R> Page<R> of(
      Caller caller, Message request, int pageSize, String pageToken, Fetch<R> fetch, Function<R, String> name,
      Function<R, Object> id) {
    int size = PageTokens.pageSize(pageSize, DEFAULT_SIZE, MAX_SIZE);
    List<String> after = pageToken.isEmpty() ? null : PageTokens.decode(caller, request, pageToken, 2);
    List<R> rows = after == null ? fetch.after(null, null, size + 1) : fetch.after(after.get(0), after.get(1), size + 1);
    if (rows.size() <= size) {
      return new Page<>(rows, "");
    }
    R last = rows.get(size - 1);
    return new Page<>(
        rows.subList(0, size), PageTokens.encode(caller, request, List.of(name.apply(last), id.apply(last).toString())));
  }
}
