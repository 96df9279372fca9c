package retail.customers.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import retail.customers.server.grpc.Violations;

class TextsTest {
  /** The definition: Unicode's control characters (Cc), line breaks and tabs allowed where the field is multiline. */
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}&&[^\\n\\r\\t]]");
  private static final Pattern LINE_BREAK = Pattern.compile("[\\n\\r\\t]");

  @Property(tries = 2_000)
  void controlCharactersAreFoundAsTheirUnicodeDefinitionSays(@ForAll("texts") String text) {
    assertThat(Texts.hasControlCharacters(text, true)).isEqualTo(CONTROL.matcher(text).find());
    assertThat(Texts.hasControlCharacters(text, false)).isEqualTo(CONTROL.matcher(text).find() || LINE_BREAK.matcher(text).find());
  }

  @Provide
  Arbitrary<String> texts() {
    // Mostly letters, with now and then a character of the C0 and C1 controls, DEL or a line break.
    Arbitrary<Character> controls = Arbitraries.chars().range('\u0000', '\u001f').with('\u007f').range('\u0080', '\u009f');
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(20, Arbitraries.chars().alpha()),
            net.jqwik.api.Tuple.of(2, controls),
            net.jqwik.api.Tuple.of(2, Arbitraries.chars().with('\n', '\r', '\t', '\u2028', '\u00a0', '\u200b')),
            net.jqwik.api.Tuple.of(2, Arbitraries.chars()))
        .list().ofMaxSize(12)
        .map(chars -> chars.stream().map(String::valueOf).reduce("", String::concat));
  }

  @Test
  void aSingleLineFieldNamesTheLineBreakAndAMultilineOneAllowsIt() {
    Violations single = new Violations();
    Texts.check(single, "first_name", "Ann\nLee", 50, false);
    assertThat(single.list()).extracting(f -> f.getField()).containsExactly("first_name");

    Violations multi = new Violations();
    assertThat(Texts.check(multi, "notes", " Ann\r\nLee\t", 500, true)).isEqualTo("Ann\r\nLee");
    assertThat(multi.isEmpty()).isTrue();

    Violations bell = new Violations();
    Texts.check(bell, "notes", "ring\u0007", 500, true);
    assertThat(bell.list()).extracting(f -> f.getDescription()).containsExactly("must not contain control characters");
  }
}
