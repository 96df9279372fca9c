package retail.customers.server.duplicates;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.grpc.ResourceNames.CUSTOMERS;

import com.github.benmanes.caffeine.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.cache.Caches;
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
 *
 * <p>A whole-store search reads every customer of the store (10 s at a
 * million, against 0.6 s to read the same columns in plain SQL), so its first
 * page keeps all the pairs it found (up to {@value #MAX_PAIRS}) for
 * {@link #SCAN_TIME_TO_LIVE}, and the next pages are cut from them: a pair
 * whose customers were merged, archived or erased since is left out. A first
 * page always reads afresh.
 */
public final class DuplicateFinder {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 500;
  static final int MAX_SHARING = 50;
  static final double SAME_EMAIL = 0.9;
  static final double SAME_PHONE = 0.8;
  static final double SIMILAR_NAME = 0.9;
  static final double SIMILARITY = 0.6;
  static final int MAX_PAIRS = 100_000;
  static final Duration SCAN_TIME_TO_LIVE = Duration.ofMinutes(5);

  /** A pair found, in the order pages hold them. */
  record Pair(UUID a, UUID b, List<MatchReason> reasons, double score, OffsetDateTime aCreated, OffsetDateTime bCreated) {
    /** Whether this pair comes after the position (score descending, then a, then b). */
    boolean after(double score, UUID a, UUID b) {
      int byScore = Double.compare(score, this.score);
      if (byScore != 0) {
        return byScore > 0;
      }
      int byA = this.a.compareTo(a);
      return byA != 0 ? byA > 0 : this.b.compareTo(b) > 0;
    }
  }

  private static final String QUERY =
      """
      with live as materialized (
          select id, lower(email) as email,
                 array_remove(array[home_phone, work_phone, mobile_phone, pager, fax], null) as phones,
                 nullif(replace(postal_code, ' ', ''), '') as postal, first_name, last_name
            from customer
           where tenant_id = {0} and merged_into is null and erase_time is null and delete_time is null and {1}
      ), shared as (
          select 'SAME_EMAIL' as reason, {2}::float8 as weight, array_agg(id) as ids
            from live where email is not null
           group by email having count(*) between 2 and {5}
          union all
          select 'SAME_PHONE', {3}::float8, array_agg(id)
            from (select distinct phone, id from live, unnest(phones) as p (phone)) as held
           group by phone having count(*) between 2 and {5}
      ), neighbours as materialized (
          -- Names are folded only for customers that share their postal code.
          select id, postal, customer_duplicate_name(first_name, last_name) as full_name,
                 left(customer_normalize(last_name), 2) as last2, left(customer_normalize(first_name), 2) as first2
            from live
           where postal in (select postal from live where postal is not null group by postal having count(*) > 1)
      ), named as (
          select x.id as a, y.id as b, similarity(x.full_name, y.full_name) as s
            from neighbours x join neighbours y on y.postal = x.postal and y.last2 = x.last2 and x.id < y.id
           where x.full_name is not null and y.full_name is not null
          union
          select x.id, y.id, similarity(x.full_name, y.full_name)
            from neighbours x join neighbours y on y.postal = x.postal and y.first2 = x.first2 and x.id < y.id
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
        from scored s
        join customer la on la.tenant_id = {0} and la.id = s.a
        join customer lb on lb.tenant_id = {0} and lb.id = s.b
       where {7}
       order by s.score desc, s.a, s.b
       limit {8}
      """;

  private final DSLContext dsl;
  /** Each tenant's last whole-store pairs. */
  private final Cache<UUID, List<Pair>> scans;

  public DuplicateFinder(DSLContext dsl, Clock clock) {
    this.dsl = dsl;
    this.scans = Caches.expiringAfterWrite(clock, SCAN_TIME_TO_LIVE, 100);
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

    List<Pair> pairs;
    if (of != null) {
      pairs = pairs(caller, candidates(caller, request.getCustomer(), of), condition("(s.a = {0} or s.b = {0})", val(of)));
    } else if (after == null) {
      pairs = pairs(caller, noCondition(), noCondition());
      scans.put(caller.tenantId(), pairs);
    } else {
      pairs = scans.get(caller.tenantId(), tenant -> pairs(caller, noCondition(), noCondition()));
    }
    List<Pair> page = page(caller, pairs, after, pageSize + 1);
    FindDuplicateCustomersResponse.Builder out = FindDuplicateCustomersResponse.newBuilder();
    page.stream().limit(pageSize).forEach(pair -> out.addGroups(group(pair)));
    if (page.size() > pageSize) {
      Pair last = page.get(pageSize - 1);
      out.setNextPageToken(PageTokens.encode(caller, request, List.of(Double.toString(last.score()), last.a().toString(), last.b().toString())));
    }
    return out.build();
  }

  /** Every pair among the customers {@code compared}, that {@code involving} accepts, best first. */
  private List<Pair> pairs(Caller caller, Condition compared, Condition involving) {
    return dsl.resultQuery(QUERY, val(caller.tenantId()), compared, inline(SAME_EMAIL), inline(SAME_PHONE), inline(SIMILAR_NAME),
            inline(MAX_SHARING), inline(SIMILARITY), involving, inline(MAX_PAIRS))
        .fetch(row -> {
          List<MatchReason> reasons = new ArrayList<>();
          for (String reason : row.get(2, String[].class)) {
            reasons.add(MatchReason.valueOf(reason));
          }
          reasons.sort(null);
          return new Pair(row.get(0, UUID.class), row.get(1, UUID.class), List.copyOf(reasons), row.get(3, Double.class),
              row.get(4, OffsetDateTime.class), row.get(5, OffsetDateTime.class));
        });
  }

  /**
   * Up to {@code limit} pairs after the position, whose customers are all
   * still active now (the pairs may come from an earlier read).
   */
  private List<Pair> page(Caller caller, List<Pair> pairs, List<String> after, int limit) {
    int from = 0;
    if (after != null) {
      double score = score(after.get(0));
      UUID a = PageTokens.uuid(after.get(1));
      UUID b = PageTokens.uuid(after.get(2));
      while (from < pairs.size() && !pairs.get(from).after(score, a, b)) {
        from++;
      }
    }
    List<Pair> page = new ArrayList<>();
    while (from < pairs.size() && page.size() < limit) {
      List<Pair> candidates = pairs.subList(from, Math.min(pairs.size(), from + limit - page.size()));
      from += candidates.size();
      Set<UUID> ids = new HashSet<>();
      candidates.forEach(p -> {
        ids.add(p.a());
        ids.add(p.b());
      });
      Set<UUID> active = new HashSet<>(dsl.select(CUSTOMER.ID).from(CUSTOMER)
          .where(CUSTOMER.TENANT_ID.eq(caller.tenantId()), CUSTOMER.ID.in(ids), CUSTOMER.MERGED_INTO.isNull(),
              CUSTOMER.ERASE_TIME.isNull(), CUSTOMER.DELETE_TIME.isNull())
          .fetch(CUSTOMER.ID));
      candidates.stream().filter(p -> active.contains(p.a()) && active.contains(p.b())).forEach(page::add);
    }
    return page;
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

  private static double score(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException | NullPointerException e) {
      throw ApiException.invalidPageToken("not a page token of this search");
    }
  }

  private static DuplicateGroup group(Pair pair) {
    boolean aFirst = !pair.bCreated().isBefore(pair.aCreated());
    return DuplicateGroup.newBuilder()
        .addCustomers(ResourceNames.format(CUSTOMERS, aFirst ? pair.a() : pair.b()))
        .addCustomers(ResourceNames.format(CUSTOMERS, aFirst ? pair.b() : pair.a()))
        .addAllReasons(pair.reasons())
        .setScore(pair.score())
        .build();
  }
}
