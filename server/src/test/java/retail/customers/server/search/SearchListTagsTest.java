package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.ListTagsResponse;
import retail.customers.v1.TagCount;

/** ListTags: the tags in use with their customer counts, for autocomplete. */
class SearchListTagsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static List<TagCount> tags(Store store) {
    return store.tags(ListTagsRequest.newBuilder());
  }

  private static List<TagCount> tags(Store store, String prefix) {
    return store.tags(ListTagsRequest.newBuilder().setPrefix(prefix));
  }

  private static List<String> spellings(List<TagCount> tags) {
    return tags.stream().map(TagCount::getTag).toList();
  }

  @Test
  void countsCustomersPerTagInTagOrder() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("Woman").addTags("56 cm"));
    store.create(person("Bea", "Baker").addTags("Woman"));
    store.create(person("Cleo", "Cole").addTags("Motorcyclist").addTags("Woman"));
    store.create(person("Dan", "Dunn"));

    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("56 cm", 1L), tuple("Motorcyclist", 1L), tuple("Woman", 3L));
  }

  @Test
  void tagsThatDifferOnlyInCaseAreCountedTogether() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("VIP"));
    store.create(person("Bea", "Baker").addTags("vip"));
    store.create(person("Cleo", "Cole").addTags("Vip"));

    assertThat(tags(store)).extracting(TagCount::getCustomerCount).containsExactly(3L);
  }

  @Test
  void aTagIsShownInItsMostCommonSpelling() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("vip"));
    store.create(person("Bea", "Baker").addTags("VIP"));
    store.create(person("Cleo", "Cole").addTags("VIP"));

    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("VIP", 3L));

    // When another spelling becomes the more common one, it is shown instead.
    store.create(person("Dora", "Dunn").addTags("vip"));
    store.create(person("Eve", "Eddy").addTags("vip"));
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("vip", 5L));
  }

  @Test
  void theSpellingOfCustomersWhoDroppedTheTagIsNotShown() {
    Store store = newStore(api);
    Customer ann = store.create(person("Ann", "Able").addTags("motorcyclist"));
    Customer bea = store.create(person("Bea", "Baker").addTags("motorcyclist"));
    store.create(person("Cleo", "Cole").addTags("MotorCyclist"));
    assertThat(spellings(tags(store))).containsExactly("motorcyclist");

    store.update(ann.toBuilder().clearTags().addTags("Woman").build(), "tags");
    store.erase(bea);

    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("MotorCyclist", 1L), tuple("Woman", 1L));
  }

  @Test
  void prefixMatchesTheStartOfTagsIgnoringCaseAndAccents() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("Étudiant").addTags("Woman"));
    store.create(person("Bea", "Baker").addTags("etudes").addTags("Été"));
    store.create(person("Cleo", "Cole").addTags("Retired"));

    assertThat(spellings(tags(store, "ET"))).containsExactly("Été", "etudes", "Étudiant");
    assertThat(spellings(tags(store, "étu"))).containsExactly("etudes", "Étudiant");
    assertThat(spellings(tags(store, "ÉTUDIANT"))).containsExactly("Étudiant");
    assertThat(spellings(tags(store, "tudiant"))).as("a prefix, not a substring").isEmpty();
    assertThat(spellings(tags(store, "x"))).isEmpty();
    assertThat(spellings(tags(store, ""))).containsExactly("Été", "etudes", "Étudiant", "Retired", "Woman");
  }

  @Test
  void aPrefixGivesEachMatchingTagWithItsCount() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("Étudiant").addTags("Woman"));
    store.create(person("Bea", "Baker").addTags("etudiant").addTags("Été"));
    store.create(person("Cleo", "Cole").addTags("Étudiant"));
    store.create(person("Dora", "Dale").addTags("Retired"));

    assertThat(tags(store, "et")).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("Été", 1L), tuple("Étudiant", 3L));
  }

  @Test
  void likeWildcardsInThePrefixAreOrdinaryCharacters() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("50% off").addTags("50 cm").addTags("a_b").addTags("axb"));

    assertThat(spellings(tags(store, "50%"))).containsExactly("50% off");
    assertThat(spellings(tags(store, "a_"))).containsExactly("a_b");
    assertThat(spellings(tags(store, "%"))).isEmpty();
  }

  @Test
  void archivedCustomersAreCountedOnlyWithShowDeleted() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("Woman"));
    store.archive(store.create(person("Bea", "Baker").addTags("Woman").addTags("Former")));

    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Woman", 1L));
    assertThat(store.tags(ListTagsRequest.newBuilder().setShowDeleted(true)))
        .extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Former", 1L), tuple("Woman", 2L));
  }

  @Test
  void countsFollowEveryChangeAtOnce() {
    Store store = newStore(api);
    Customer ann = store.create(person("Ann", "Able").addTags("Woman").addTags("VIP"));
    Customer bea = store.create(person("Bea", "Baker").addTags("Woman"));
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("VIP", 1L), tuple("Woman", 2L));

    ann = store.archive(ann);
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Woman", 1L));

    ann = store.restore(ann);
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("VIP", 1L), tuple("Woman", 2L));

    ann = store.update(ann.toBuilder().clearTags().addTags("VIP").addTags("Cyclist").build(), "tags");
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("Cyclist", 1L), tuple("VIP", 1L), tuple("Woman", 1L));

    store.update(bea.toBuilder().setNotes("no tag change").build(), "notes");
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("Cyclist", 1L), tuple("VIP", 1L), tuple("Woman", 1L));

    store.erase(ann);
    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Woman", 1L));
    assertThat(store.tags(ListTagsRequest.newBuilder().setShowDeleted(true)))
        .extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Woman", 1L));
  }

  @Test
  void aCustomerWrittenWithPlainSqlIsCounted() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("Woman"));
    store.create(person("Bea", "Baker").addTags("Woman"));

    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, last_name, tags) values (?::uuid, gen_random_uuid(), 'IMPORT', 'Imported', array['WOMAN', 'Imported'])",
        store.tenantId().toString());

    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(tuple("Imported", 1L), tuple("Woman", 3L));
  }

  @Test
  void customersDeletedWithPlainSqlAreNoLongerCounted() {
    Store store = newStore(api);
    store.create(person("Ann", "Able").addTags("Woman"));
    store.create(person("Bea", "Baker").addTags("Woman"));
    Customer purged = store.create(person("Cleo", "Cole").addTags("WOMAN").addTags("Purged"));
    Customer alsoPurged = store.create(person("Dora", "Dunn").addTags("WOMAN"));
    store.create(person("Eve", "Eddy").addTags("WOMAN"));
    assertThat(spellings(tags(store))).containsExactly("Purged", "WOMAN");

    api.database().dsl().execute(
        "delete from customer where tenant_id = ?::uuid and id in (?::uuid, ?::uuid)",
        store.tenantId().toString(),
        purged.getName().substring("customers/".length()),
        alsoPurged.getName().substring("customers/".length()));

    assertThat(store.tags(ListTagsRequest.newBuilder().setShowDeleted(true)))
        .extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Woman", 3L));
  }

  @Test
  void pagesReturnEveryTagOnceInOrder() {
    Store store = newStore(api);
    List<String> all = List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf");
    for (String tag : all.reversed()) {
      store.create(person("X", tag).addTags(tag));
    }

    ListTagsResponse first = store.customers().listTags(ListTagsRequest.newBuilder().setPageSize(3).build());
    List<TagCount> walked = store.tags(ListTagsRequest.newBuilder().setPageSize(3));
    List<TagCount> walkedOneByOne = new ArrayList<>(store.tags(ListTagsRequest.newBuilder().setPrefix("").setPageSize(1)));

    assertThat(spellings(first.getTagsList())).containsExactly("alpha", "bravo", "charlie");
    assertThat(first.getNextPageToken()).isNotEmpty();
    assertThat(spellings(walked)).containsExactlyElementsOf(all);
    assertThat(spellings(walkedOneByOne)).containsExactlyElementsOf(all);
    assertThat(store.customers().listTags(ListTagsRequest.newBuilder().setPageSize(7).build()).getNextPageToken()).isEmpty();
  }

  @Test
  void aBadTokenATokenOfAnotherPrefixOrOfAnotherStoreIsInvalid() {
    Store store = newStore(api);
    Store other = newStore(api);
    for (String tag : List.of("alpha", "also", "beta")) {
      store.create(person("X", tag).addTags(tag));
      other.create(person("X", tag).addTags(tag));
    }
    String token = store.customers().listTags(ListTagsRequest.newBuilder().setPrefix("al").setPageSize(1).build()).getNextPageToken();
    assertThat(token).isNotEmpty();

    for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
        () -> store.customers().listTags(ListTagsRequest.newBuilder().setPrefix("al").setPageToken("garbage").build()),
        () -> store.customers().listTags(ListTagsRequest.newBuilder().setPrefix("a").setPageToken(token).build()),
        () -> store.customers().listTags(ListTagsRequest.newBuilder().setPrefix("al").setShowDeleted(true).setPageToken(token).build()),
        () -> other.customers().listTags(ListTagsRequest.newBuilder().setPrefix("al").setPageToken(token).build()))) {
      StatusRuntimeException e = failure(call);
      assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
    }
    assertThat(spellings(store.customers().listTags(ListTagsRequest.newBuilder().setPrefix("al").setPageToken(token).build()).getTagsList()))
        .containsExactly("also");
  }

  @Test
  void aPrefixOfMoreThan50CharactersIsInvalid() {
    Store store = newStore(api);
    String fifty = "x".repeat(50);
    store.create(person("Ann", "Able").addTags(fifty));

    StatusRuntimeException e = failure(() -> store.customers().listTags(ListTagsRequest.newBuilder().setPrefix(fifty + "x").build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("prefix");
    assertThat(spellings(tags(store, fifty))).containsExactly(fifty);
  }

  /** PostgreSQL refuses a NUL in text: ListTags failed with INTERNAL (found by WireBytesFuzzTest). */
  @Test
  void aPrefixWithControlCharactersIsInvalid() {
    Store store = newStore(api);

    for (String prefix : List.of("a\u0000b", "\u0000", "a\u0007b", "line\nbreak")) {
      StatusRuntimeException e = failure(() -> store.customers().listTags(ListTagsRequest.newBuilder().setPrefix(prefix).build()));

      assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations(e)).containsOnlyKeys("prefix");
    }
  }

  @Test
  void aNegativePageSizeIsInvalid() {
    Store store = newStore(api);

    StatusRuntimeException e = failure(() -> store.customers().listTags(ListTagsRequest.newBuilder().setPageSize(-1).build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("page_size");
  }

  @Test
  void aStoreNeverSeesAnotherStoresTags() {
    Store store = newStore(api);
    Store other = newStore(api);
    store.create(person("Ann", "Able").addTags("Ours"));
    other.create(person("Bea", "Baker").addTags("Theirs").addTags("ours"));

    assertThat(tags(store)).extracting(TagCount::getTag, TagCount::getCustomerCount).containsExactly(tuple("Ours", 1L));
  }
}
