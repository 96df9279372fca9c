package retail.customers.server.search;

import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.concat;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER_TAG;
import static retail.customers.db.Tables.CUSTOMER_TAG_SPELLING;

import java.util.List;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record3;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.paging.PageTokens;
import retail.customers.server.validation.Texts;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.ListTagsResponse;
import retail.customers.v1.TagCount;

/**
 * ListTags: the tenant's tags with their customer counts, from the
 * {@code customer_tag} and {@code customer_tag_spelling} tables that a
 * trigger keeps in step with every write, so that autocomplete reads a few
 * index entries instead of every customer.
 */
public final class TagCounts {
  static final int MAX_PREFIX = 50;

  private final DSLContext dsl;

  public TagCounts(DSLContext dsl) {
    this.dsl = dsl;
  }

  public ListTagsResponse list(Caller caller, ListTagsRequest request) {
    UnknownFields.reject(request);
    if (request.getPrefix().length() > MAX_PREFIX) {
      throw ApiException.invalidField("prefix", "must be at most " + MAX_PREFIX + " characters");
    }
    // No tag holds one (Tags), and PostgreSQL refuses a NUL in text: it was INTERNAL.
    if (Texts.hasControlCharacters(request.getPrefix(), false)) {
      throw ApiException.invalidField("prefix", "must be a single line without control characters");
    }
    int pageSize = PageTokens.pageSize(request.getPageSize(), 50, 1000);
    Field<Long> count = request.getShowDeleted() ? CUSTOMER_TAG.CUSTOMER_COUNT : CUSTOMER_TAG.ACTIVE_COUNT;
    Condition after =
        request.getPageToken().isEmpty()
            ? noCondition()
            : CUSTOMER_TAG.TAG_KEY.gt(PageTokens.decode(caller, request, request.getPageToken(), 1).getFirst());
    Condition prefix =
        request.getPrefix().isBlank()
            ? noCondition()
            : CUSTOMER_TAG.TAG_KEY.like(concat(SearchCriteria.normalize(val(SearchCriteria.escapeLike(request.getPrefix().strip()))), inline("%")));
    // The spelling most customers use (ties: the first in byte order).
    Field<String> spelling =
        coalesce(
            select(CUSTOMER_TAG_SPELLING.TAG)
                .from(CUSTOMER_TAG_SPELLING)
                .where(CUSTOMER_TAG_SPELLING.TENANT_ID.eq(CUSTOMER_TAG.TENANT_ID), CUSTOMER_TAG_SPELLING.TAG_KEY.eq(CUSTOMER_TAG.TAG_KEY),
                    CUSTOMER_TAG_SPELLING.CUSTOMER_COUNT.gt(0L))
                .orderBy(CUSTOMER_TAG_SPELLING.CUSTOMER_COUNT.desc(), CUSTOMER_TAG_SPELLING.TAG)
                .limit(1)
                .<String>asField(),
            CUSTOMER_TAG.TAG);
    List<Record3<String, String, Long>> rows =
        dsl.select(CUSTOMER_TAG.TAG_KEY, spelling, count)
            .from(CUSTOMER_TAG)
            .where(CUSTOMER_TAG.TENANT_ID.eq(caller.tenantId()), count.gt(0L), prefix, after)
            .orderBy(CUSTOMER_TAG.TAG_KEY)
            .limit(pageSize + 1)
            .fetch();
    ListTagsResponse.Builder out = ListTagsResponse.newBuilder();
    rows.stream()
        .limit(pageSize)
        .forEach(r -> out.addTags(TagCount.newBuilder().setTag(r.value2()).setCustomerCount(r.value3())));
    if (rows.size() > pageSize) {
      out.setNextPageToken(PageTokens.encode(caller, request, List.of(rows.get(pageSize - 1).value1())));
    }
    return out.build();
  }
}
