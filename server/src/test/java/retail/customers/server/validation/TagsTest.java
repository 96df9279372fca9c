package retail.customers.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import retail.customers.server.grpc.Violations;

class TagsTest {
  @Test
  void tagsAreTrimmedAndCaseDuplicatesMergedKeepingTheFirstSpelling() {
    Violations v = new Violations();
    assertThat(Tags.normalize(v, "tags", List.of(" Woman ", "56 cm", "WOMAN", "woman", "Motorcyclist")))
        .containsExactly("Woman", "56 cm", "Motorcyclist");
    assertThat(v.isEmpty()).isTrue();
  }

  @Test
  void eachBadTagIsNamedByItsIndex() {
    Violations v = new Violations();
    Tags.normalize(v, "tags", List.of("ok", "", "a,b", "x".repeat(51), "y".repeat(50)));
    assertThat(v.list()).extracting(f -> f.getField()).containsExactlyInAnyOrder("tags[1]", "tags[2]", "tags[3]");
  }

  @Test
  void moreThanAHundredTagsIsRejectedAsAWhole() {
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      tags.add("t" + i);
    }
    Violations v = new Violations();
    Tags.normalize(v, "tags", tags);
    assertThat(v.list()).extracting(f -> f.getField()).containsExactly("tags");

    Violations hundred = new Violations();
    assertThat(Tags.normalize(hundred, "tags", tags.subList(0, 100))).hasSize(100);
    assertThat(hundred.isEmpty()).isTrue();
  }

  @Test
  void splitReadsCommaSeparatedListsAndMergesCaseDuplicates() {
    assertThat(Tags.split(List.of("56 cm, Woman", " Motorcyclist ,,", "woman"))).containsExactly("56 cm", "Woman", "Motorcyclist");
    assertThat(Tags.split(Collections.nCopies(3, " , "))).isEmpty();
  }
}
