package retail.customers.server.search;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.customer.CustomerRow;

/**
 * A customer a search found, and its sort key in the search's order. Only
 * the page's last customer needs its position as text (what a page token
 * resumes after), so it is made only when asked for.
 */
record Found(CustomerRow row, Object key) {
  /**
   * Reads the current row of a result of {@link CustomerRepository#selectRows}
   * whose first extra column is the order's sort key.
   */
  static Found read(ResultSet rs, SortOrder order) throws SQLException {
    CustomerRow row = CustomerRepository.toRow(rs);
    return new Found(row, order.keyOf(rs, CustomerRepository.FIRST_EXTRA_COLUMN, row));
  }

  /** The position in the order, as page tokens store it. */
  List<String> position() {
    return SortOrder.position(key, row.id());
  }

  /** A customer found, and a number its statement read with it once (a count), or null. */
  record Counted(Found found, Long count) {
    /** Like {@link Found#read}, with the count from the second extra column. */
    static Counted read(ResultSet rs, SortOrder order) throws SQLException {
      return new Counted(Found.read(rs, order), rs.getObject(CustomerRepository.FIRST_EXTRA_COLUMN + 1, Long.class));
    }
  }
}
