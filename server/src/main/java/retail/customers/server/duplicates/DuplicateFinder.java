package retail.customers.server.duplicates;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.grpc.ResourceNames.CUSTOMERS;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.grpc.Violations;
import retail.customers.server.paging.PageTokens;
import retail.customers.v1.DuplicateGroup;
import retail.customers.v1.DuplicateGroup.MatchReason;
import retail.customers.v1.FindDuplicateCustomersRequest;
import retail.customers.v1.FindDuplicateCustomersResponse;

/**
 * FindDuplicateCustomers: pairs of active customers of one tenant that are
 * likely one person, with their reasons and a score, best first.
 *
 * <p>One statement finds them. The customers compared (all of the tenant's,
 * or the few that could match one customer: found through the e-mail index
 * and the search text's trigram index, which holds phones as digits and
 * postal codes without spaces) are read once; customers sharing an e-mail
 * or a phone are grouped by it; customers at the same postal code are paired
 * when their full names' trigram similarity is 0.6 or more. Comparing every
 * two customers of a postal code would be quadratic (a US ZIP code holds
 * thousands of a store's customers), so names are compared only within a
 * postal code and the same first two letters of the last name, or of the
 * first name: a typo in the first letters of both names goes unseen. A key
 * shared by more than {@value #MAX_SHARING} customers (a shop's own phone,
 * "none@none.com") is nobody's.
 */
public final class DuplicateFinder {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 500;
  static final int MAX_SHARING = 50;
  static final double SAME_EMAIL = 0.9;
  static final double SAME_PHONE = 0.8;
  static final double SIMILAR_NAME = 0.9;
  static final double SIMILARITY = 0.6;

  private static final String QUERY =
      """
      with live as materialized (
          select id, create_time, lower(email) as email,
                 array_remove(array[home_phone, work_phone, mobile_phone, pager, fax], null) as phones,
                 customer_duplicate_postal(postal_code) as postal,
                 customer_duplicate_name(first_name, last_name) as full_name,
                 left(customer_normalize(last_name), 2) as last2,
                 left(customer_normalize(first_name), 2) as first2
            from customer
           where tenant_id = {0} and merged_into is null and erase_time is null and delete_time is null and {1}
      ), shared as (
          select 'SAME_EMAIL' as reason, {2}::float8 as weight, array_agg(id) as ids
            from live where email is not null
           group by email having count(*) between 2 and {5}
          union all
          select 'SAME_PHONE', {3}::float8, array_agg(distinct id)
            from live, unnest(phones) as p (phone)
           group by phone having count(distinct id) between 2 and {5}
      ), named as (
          select x.id as a, y.id as b, similarity(x.full_name, y.full_name) as s
            from live x join live y on y.postal = x.postal and y.last2 = x.last2 and x.id < y.id
           where x.full_name is not null and y.full_name is not null
          union
          select x.id, y.id, similarity(x.full_name, y.full_name)
            from live x join live y on y.postal = x.postal and y.first2 = x.first2 and x.id < y.id
           where x.full_name is not null and y.full_name is not null
      ), pairs as (
          select a, b, reason, weight from shared, unnest(ids) as a, unnest(ids) as b where a < b
          union all
          select a, b, 'SIMILAR_NAME_SAME_POSTAL_CODE', {4}::float8 * s from named where s >= {6}
      ), scored as (
          select a, b, array_agg(distinct reason) as reasons, round((1 - exp(sum(ln(1 - weight))))::numeric, 6)::float8 as score
            from pairs group by a, b
      )
      select s.a, s.b, s.reasons, s.score, la.create_time, lb.create_time
        from scored s join live la on la.id = s.a join live lb on lb.id = s.b
       where {7}
       order by s.score desc, s.a, s.b
       limit {8}
      """;

  private final DSLContext dsl;

  public DuplicateFinder(DSLContext dsl) {
    this.dsl = dsl;
  }

  public FindDuplicateCustomersResponse find(Caller caller, FindDuplicateCustomersRequest request) {
    UnknownFields.reject(request);
    Violations violations = new Violations();
    if (request.getPageSize() < 0) {
      violations.add("page_size", "must not be negative");
    }
    UUID of = null;
    if (!request.getCustomer().isEmpty()) {
      of = ResourceNames.tryParseUuid(request.getCustomer(), CUSTOMERS);
      if (of == null) {
        violations.add("customer", ResourceNames.describe(request.getCustomer(), CUSTOMERS));
      }
    }
    violations.throwIfAny();
    int pageSize = PageTokens.pageSize(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    List<String> after = request.getPageToken().isEmpty() ? null : PageTokens.decode(caller, request, request.getPageToken(), 3);

    Condition compared = of == null ? noCondition() : candidates(caller, request.getCustomer(), of);
    Condition involving = of == null ? noCondition() : condition("(s.a = {0} or s.b = {0})", val(of));
    Condition page = after == null ? noCondition() : afterPosition(after);
    List<Record> rows =
        dsl.resultQuery(QUERY, val(caller.tenantId()), compared, inline(SAME_EMAIL), inline(SAME_PHONE), inline(SIMILAR_NAME),
                inline(MAX_SHARING), inline(SIMILARITY), involving.and(page), inline(pageSize + 1))
            .fetch()
            .stream()
            .map(r -> (Record) r)
            .toList();

    FindDuplicateCustomersResponse.Builder out = FindDuplicateCustomersResponse.newBuilder();
    for (Record row : rows.subList(0, Math.min(pageSize, rows.size()))) {
      out.addGroups(group(row));
    }
    if (rows.size() > pageSize) {
      Record last = rows.get(pageSize - 1);
      out.setNextPageToken(PageTokens.encode(caller, request,
          List.of(Double.toString(last.get(3, Double.class)), last.get(0, UUID.class).toString(), last.get(1, UUID.class).toString())));
    }
    return out.build();
  }

  /**
   * The customers that could be duplicates of one: itself, those with its
   * e-mail, and those whose search text holds one of its phones (as digits)
   * or its postal code (which the name comparison then narrows).
   */
  private Condition candidates(Caller caller, String name, UUID id) {
    CustomerRecord customer =
        dsl.selectFrom(CUSTOMER)
            .where(CUSTOMER.TENANT_ID.eq(caller.tenantId()), CUSTOMER.ID.eq(id), CUSTOMER.MERGED_INTO.isNull(),
                CUSTOMER.ERASE_TIME.isNull())
            .fetchOptional()
            .orElseThrow(() -> ApiException.notFound(name));
    Condition any = condition("id = {0}", val(id));
    if (customer.getEmail() != null) {
      any = any.or(condition("lower(email) = {0}", val(customer.getEmail().toLowerCase(Locale.ROOT))));
    }
    for (String phone : new String[] {customer.getHomePhone(), customer.getWorkPhone(), customer.getMobilePhone(),
        customer.getPager(), customer.getFax()}) {
      if (phone != null) {
        any = any.or(condition("search_text like {0}", val("%" + phone.replaceAll("\\D", "") + "%")));
      }
    }
    if (customer.getPostalCode() != null && !customer.getPostalCode().isBlank()) {
      String postal = customer.getPostalCode().replaceAll("\\s", "").toLowerCase(Locale.ROOT);
      any = any.or(condition("search_text like {0}", val("%" + postal.replace("%", "\\%").replace("_", "\\_") + "%")));
    }
    return any;
  }

  /** After a page's last pair, in (score descending, a, b) order. */
  private static Condition afterPosition(List<String> after) {
    double score;
    try {
      score = Double.parseDouble(after.get(0));
    } catch (NumberFormatException | NullPointerException e) {
      throw ApiException.invalidPageToken("not a page token of this search");
    }
    UUID a = PageTokens.uuid(after.get(1));
    UUID b = PageTokens.uuid(after.get(2));
    return condition("(s.score < {0} or s.score = {0} and (s.a, s.b) > ({1}, {2}))", val(score), val(a), val(b));
  }

  private static DuplicateGroup group(Record row) {
    UUID a = row.get(0, UUID.class);
    UUID b = row.get(1, UUID.class);
    boolean aFirst = !row.get(5, OffsetDateTime.class).isBefore(row.get(4, OffsetDateTime.class));
    DuplicateGroup.Builder group = DuplicateGroup.newBuilder()
        .addCustomers(ResourceNames.format(CUSTOMERS, aFirst ? a : b))
        .addCustomers(ResourceNames.format(CUSTOMERS, aFirst ? b : a))
        .setScore(row.get(3, Double.class));
    List<MatchReason> reasons = new ArrayList<>();
    for (String reason : row.get(2, String[].class)) {
      reasons.add(MatchReason.valueOf(reason));
    }
    reasons.sort(null);
    return group.addAllReasons(reasons).build();
  }
}
