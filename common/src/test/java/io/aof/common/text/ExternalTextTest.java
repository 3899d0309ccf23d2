package io.aof.common.text;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExternalTextTest {

    @Test
    void removesNulAndControlCharactersButKeepsLineBreaksAndTabs() {
        assertThat(ExternalText.error("a\u0000b\u0007c\td\ne\rf\u001Bg\u0085h")).isEqualTo("abc\td\ne\rfgh");
    }

    @Test
    void replacesLoneSurrogatesAndKeepsPairs() {
        String emoji = "\uD83D\uDE00";
        assertThat(ExternalText.error("x\uD83Dy" + emoji + "\uDE00z")).isEqualTo("x\uFFFDy" + emoji + "\uFFFDz");
    }

    @Test
    void cleanTextUnderTheCapIsReturnedAsItIs() {
        String text = "Timeout: read timed out after 30s — ünïcödé";
        assertThat(ExternalText.error(text)).isSameAs(text);
        assertThat(ExternalText.error(null)).isNull();
    }

    @Test
    void cutsToTheCapAndSaysSo() {
        String big = "e".repeat(5_000_000);
        String cut = ExternalText.error(big);
        assertThat(cut).hasSize(ExternalText.ERROR_MAX_CHARS).startsWith("eeee")
                .endsWith("[cut by AOF: 5000000 characters in all]");
        assertThat(ExternalText.field("n".repeat(5000))).hasSize(ExternalText.FIELD_MAX_CHARS);
    }

    @Test
    void neverCutsInsideASurrogatePair() {
        String emojis = "\uD83D\uDE00".repeat(100);
        // 102 leaves 65 characters before the 37-character cut mark: the 65th is the high half of a pair
        String cut = ExternalText.clean(emojis, 102);
        assertThat(cut).endsWith("[cut by AOF: 200 characters in all]").hasSize(101);
        assertThat(ExternalText.isClean(cut)).isTrue();
    }

    @Test
    void refusesAUselessCap() {
        assertThatThrownBy(() -> ExternalText.clean("x", 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
