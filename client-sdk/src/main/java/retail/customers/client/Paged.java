package retail.customers.client;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The items of a paged List or Search call, fetched a page at a time as
 * they are read: each page is a call of its own (with its own deadline and
 * retries), made only when the previous page's items are used up. Iterate
 * again to call again from the first page.
 */
final class Paged<Q, R, T> implements Iterable<T> {
  private final Q first;
  private final Function<Q, R> call;
  private final Function<R, List<T>> items;
  private final Function<R, String> nextToken;
  private final BiFunction<Q, String, Q> withToken;

  Paged(Q first, Function<Q, R> call, Function<R, List<T>> items, Function<R, String> nextToken, BiFunction<Q, String, Q> withToken) {
    this.first = first;
    this.call = call;
    this.items = items;
    this.nextToken = nextToken;
    this.withToken = withToken;
  }

  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private Q next = first;
      private Iterator<T> page = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!page.hasNext() && next != null) {
          Q request = next;
          R response = call.apply(request);
          page = items.apply(response).iterator();
          String token = nextToken.apply(response);
          next = token.isEmpty() ? null : withToken.apply(request, token);
        }
        return page.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.next();
      }
    };
  }
}
