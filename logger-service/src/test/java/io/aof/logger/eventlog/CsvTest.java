package io.aof.logger.eventlog;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cells a spreadsheet opens as text: no leading character that starts a formula ({@code = + - @}, and tab or
 * carriage return, which some spreadsheets skip before reading one), and every cell holding a control character
 * quoted, so it stays one cell.
 */
class CsvTest {

    @Test
    void formulasAndControlCharactersAreDefused() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("plain", "plain");
        expected.put("=1+1", "'=1+1");
        expected.put("+1", "'+1");
        expected.put("-1", "'-1");
        expected.put("@SUM(A1)", "'@SUM(A1)");
        expected.put("\t=cmd|' /C calc'!A0", "\"'\t=cmd|' /C calc'!A0\"");
        expected.put("\r=1+1", "\"'\r=1+1\"");
        expected.put("a,b", "\"a,b\"");
        expected.put("say \"hi\"", "\"say \"\"hi\"\"\"");
        expected.put("two\nlines", "\"two\nlines\"");
        expected.put("bell\u0007inside", "\"bell\u0007inside\"");
        expected.put("cr\rinside", "\"cr\rinside\"");
        expected.put("", "");
        Map<String, String> actual = new LinkedHashMap<>();
        expected.keySet().forEach(in -> actual.put(in, Csv.cell(in)));
        assertThat(actual).isEqualTo(expected);
        assertThat(Csv.cell(null)).isEmpty();
    }
}
