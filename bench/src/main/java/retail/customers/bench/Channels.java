package retail.customers.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import retail.customers.client.CustomersChannel;

/**
 * A channel of its own for each benchmark client, made on first use: eight
 * registers are eight connections to the server, as the SQL side's eight
 * clients are eight connections to PostgreSQL. Sharing one HTTP/2
 * connection, every call of every client is read and written by the same
 * two event-loop threads.
 */
final class Channels implements IntFunction<CustomersChannel>, AutoCloseable {
  private final Supplier<CustomersChannel> connect;
  private final List<CustomersChannel> channels = new ArrayList<>();

  Channels(Supplier<CustomersChannel> connect) {
    this.connect = connect;
  }

  @Override
  public synchronized CustomersChannel apply(int client) {
    while (channels.size() <= client) {
      channels.add(connect.get());
    }
    return channels.get(client);
  }

  @Override
  public synchronized void close() {
    channels.forEach(CustomersChannel::close);
  }
}
