package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.BOM;
import static retail.customers.server.exchange.ExchangeFixtures.CRLF;
import static retail.customers.server.exchange.ExchangeFixtures.ENGLISH_HEADERS;
import static retail.customers.server.exchange.ExchangeFixtures.bytes;
import static retail.customers.server.exchange.ExchangeFixtures.exportRequest;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.records;
import static retail.customers.server.exchange.ExchangeFixtures.text;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Errors;
import retail.customers.v1.CsvLanguage;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;

/**
 * A large export arrives in chunks of whole rows, the header in the first
 * one only; the resume token of any chunk continues the file exactly after
 * it (SPEC 5: "an export that breaks off can be resumed where it stopped").
 */
class ExportChunksTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static final int CUSTOMERS = 3000;
  private static Store store;

  /**
   * Thousands of customers written with SQL, many sharing a last name (ties
   * broken by id), a third without a company, every tenth with a multi-line
   * note full of quotes and commas.
   */
  @BeforeAll
  static void seed() {
    store = newStore(api);
    store.insertWithSql(CUSTOMERS / 2, "Tremblay ");
    store.insertWithSql(CUSTOMERS / 2, "Tremblay ");
  }

  @Test
  void aLargeExportComesInSeveralChunksOfWholeRowsWithTheHeaderInTheFirstOnly() {
    List<ExportCustomersResponse> chunks = store.exportChunks(exportRequest());

    assertThat(chunks).hasSizeGreaterThan(3);
    long rows = 0;
    for (int i = 0; i < chunks.size(); i++) {
      String data = chunks.get(i).getData().toStringUtf8();
      assertThat(data).as("chunk %d ends a row", i).endsWith(CRLF);
      // Each chunk read alone is a valid CSV of complete 30-cell records.
      List<CSVRecord> records = records(data);
      assertThat(records).allSatisfy(r -> assertThat(r.size()).isEqualTo(30));
      boolean header = records.get(0).toList().equals(ENGLISH_HEADERS);
      assertThat(header).as("header in chunk %d", i).isEqualTo(i == 0);
      long dataRows = records.size() - (header ? 1 : 0);
      assertThat(chunks.get(i).getRowCount()).as("row_count of chunk %d", i).isEqualTo(dataRows);
      assertThat(chunks.get(i).getResumeToken()).isNotEmpty();
      rows += chunks.get(i).getRowCount();
    }
    assertThat(rows).isEqualTo(CUSTOMERS);
    assertThat(records(text(chunks))).hasSize(CUSTOMERS + 1);
  }

  @Test
  void chunksAreAFewTensOfKilobytes() {
    List<ExportCustomersResponse> chunks = store.exportChunks(exportRequest());

    // Every chunk but the last is cut at the first row end past 32 KB.
    assertThat(chunks.subList(0, chunks.size() - 1))
        .allSatisfy(chunk -> assertThat(chunk.getData().size()).isBetween(CustomerExport.CHUNK_BYTES, CustomerExport.CHUNK_BYTES + 8192));
    assertThat(chunks.getLast().getData().size()).isBetween(1, CustomerExport.CHUNK_BYTES + 8192);
  }

  @ParameterizedTest
  @ValueSource(strings = {"last_name", "last_name desc", "company", "create_time desc", "update_time", "first_name"})
  void resumingAfterAnyChunkGivesTheRestWithoutGapOrDuplicate(String orderBy) {
    ExportCustomersRequest.Builder request = exportRequest().setOrderBy(orderBy);
    List<ExportCustomersResponse> full = store.exportChunks(request);
    byte[] whole = bytes(full);
    assertThat(full).hasSizeGreaterThan(3);

    for (int k : new int[] {0, 1, full.size() / 2, full.size() - 2}) {
      List<ExportCustomersResponse> resumed = store.exportChunks(request.clone().setResumeToken(full.get(k).getResumeToken()));

      List<ExportCustomersResponse> joined = new ArrayList<>(full.subList(0, k + 1));
      joined.addAll(resumed);
      assertThat(bytes(joined)).as("chunks 1..%d and the resumed rest", k + 1).isEqualTo(whole);
      assertThat(resumed.get(0).getData().toStringUtf8()).doesNotStartWith("Type,");
      assertThat(resumed.stream().mapToLong(ExportCustomersResponse::getRowCount).sum())
          .isEqualTo(CUSTOMERS - full.subList(0, k + 1).stream().mapToLong(ExportCustomersResponse::getRowCount).sum());
    }
  }

  @Test
  void everyRowAppearsOnceAcrossAResumedExport() {
    List<ExportCustomersResponse> full = store.exportChunks(exportRequest());
    int k = full.size() / 3;
    List<ExportCustomersResponse> resumed = store.exportChunks(exportRequest().setResumeToken(full.get(k).getResumeToken()));

    List<CSVRecord> records = new ArrayList<>(records(text(full.subList(0, k + 1))));
    records.addAll(records(text(resumed)));
    Set<String> emails = new HashSet<>();
    for (CSVRecord record : records.subList(1, records.size())) {
      assertThat(emails.add(record.get(23))).as("row %s once", record.get(23)).isTrue();
    }
    assertThat(emails).hasSize(CUSTOMERS);
  }

  @Test
  void aResumedExportStartsWithoutByteOrderMarkOrHeader() {
    ExportCustomersRequest.Builder request = exportRequest().setByteOrderMark(true).setLanguage(CsvLanguage.CSV_LANGUAGE_FRENCH);
    List<ExportCustomersResponse> full = store.exportChunks(request);
    assertThat(Arrays.copyOf(full.get(0).getData().toByteArray(), 3)).isEqualTo(BOM);

    List<ExportCustomersResponse> resumed = store.exportChunks(request.clone().setResumeToken(full.get(0).getResumeToken()));

    byte[] rest = bytes(resumed);
    assertThat(Arrays.copyOf(rest, 3)).isNotEqualTo(BOM);
    assertThat(new String(rest, java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("Prénom").doesNotContain("\uFEFF");
    assertThat(bytes(full.subList(1, full.size()))).isEqualTo(rest);
  }

  @Test
  void resumingAfterTheLastChunkGivesNothingMore() {
    List<ExportCustomersResponse> full = store.exportChunks(exportRequest());

    List<ExportCustomersResponse> resumed =
        store.exportChunks(exportRequest().setResumeToken(full.get(full.size() - 1).getResumeToken()));

    assertThat(bytes(resumed)).isEmpty();
    assertThat(resumed.stream().mapToLong(ExportCustomersResponse::getRowCount).sum()).isZero();
  }

  @Test
  void aResumeTokenUsedWithAnotherQueryIsRefused() {
    List<ExportCustomersResponse> full = store.exportChunks(exportRequest());
    String token = full.get(1).getResumeToken();

    for (ExportCustomersRequest.Builder other :
        List.of(exportRequest().setQuery("tremblay"), exportRequest().setOrderBy("first_name"),
            exportRequest().setShowDeleted(true), exportRequest().setFilter(CustomerFilter.newBuilder().addTagsAll("x")))) {
      StatusRuntimeException e =
          Errors.failure(() -> store.customers().exportCustomers(other.setResumeToken(token).build()).hasNext());
      assertThat(Errors.code(e)).as("%s", other).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(Errors.violatedFields(e)).containsExactly("resume_token");
      assertThat(Errors.reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
    }
  }

  @Test
  void aResumeTokenOfAnotherStoreIsRefused() {
    Store other = newStore(api);
    other.insertWithSql(10, "Other ");
    String token = store.exportChunks(exportRequest()).get(0).getResumeToken();

    StatusRuntimeException e =
        Errors.failure(() -> other.customers().exportCustomers(exportRequest().setResumeToken(token).build()).hasNext());

    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("resume_token");
    assertThat(Errors.reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }
}
