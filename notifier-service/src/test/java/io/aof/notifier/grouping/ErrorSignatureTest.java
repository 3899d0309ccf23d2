package io.aof.notifier.grouping;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What failures "with the same error" share: the normalised text and the category. */
class ErrorSignatureTest {

    @Test
    void theSameTextWithOtherIdsNumbersAddressesAndQuotedValuesIsOneSignature() {
        ErrorSignature a = ErrorSignature.of("Invalid value for field 42 on record 3f2b9c1e-8d4a-4f6b-9e2d-1a2b3c4d5e6f"
                + " (customer jane.doe@example.com, value \"ABC-1\", ref 0x1F3A, sf 001D000000IRFmaIAH)",
                "DATA_VALIDATION");
        ErrorSignature b = ErrorSignature.of("invalid value  for field 7 on record 00000000-0000-4000-8000-000000000001"
                + " (customer bob@corp.example.org, value \"zz\", ref 0xff, sf 001D000000IRGxyIAB)\n",
                "DATA_VALIDATION");

        assertThat(a).isNotNull();
        assertThat(a.key()).isEqualTo(b.key());
        assertThat(a.text()).isEqualTo("invalid value for field # on record <uuid> (customer <email>, value "
                + "\"<value>\", ref <hex>, sf <id>)");
        assertThat(a.category()).isEqualTo("DATA_VALIDATION");
    }

    @Test
    void numbersBecomeHashesHexIdsAndQuotesPlaceholdersWhitespaceCollapses() {
        assertThat(ErrorSignature.normalise("Invalid value for field 42")).isEqualTo("invalid value for field #");
        assertThat(ErrorSignature.normalise("HTTP 422:\tUnprocessable   Entity\n\n(took 1.25 s)"))
                .isEqualTo("http #: unprocessable entity (took #.# s)");
        assertThat(ErrorSignature.normalise("object deadbeef42 and 5f3a9c2d1e7b not found"))
                .isEqualTo("object <hex> and <hex> not found");
        // an apostrophe inside a word is no quote: only 'abc' is a quoted value
        assertThat(ErrorSignature.normalise("Can't parse 'abc' for customer's order 12"))
                .isEqualTo("can't parse '<value>' for customer's order #");
        assertThat(ErrorSignature.normalise("field `Amount__c` is required")).isEqualTo("field `<value>` is required");
        // plain words stay words: "timeout" is no id, "utf-8" keeps its word
        assertThat(ErrorSignature.normalise("Read timeout decoding utf-8")).isEqualTo("read timeout decoding utf-#");
    }

    @Test
    void onlyTheFirstTwoHundredCharactersCount() {
        String head = "x".repeat(ErrorSignature.MAX_TEXT);
        ErrorSignature a = ErrorSignature.of(head + " then one tail", "TIMEOUT");
        ErrorSignature b = ErrorSignature.of(head + " and another tail", "TIMEOUT");
        assertThat(a.text()).hasSize(ErrorSignature.MAX_TEXT);
        assertThat(a.key()).isEqualTo(b.key());
    }

    @Test
    void differentMessagesOrCategoriesAreDifferentSignatures() {
        ErrorSignature invalid = ErrorSignature.of("Invalid value for field 42", "DATA_VALIDATION");
        assertThat(ErrorSignature.of("Required field 42 is missing", "DATA_VALIDATION").key())
                .isNotEqualTo(invalid.key());
        assertThat(ErrorSignature.of("Invalid value for field 42", "NOT_FOUND").key()).isNotEqualTo(invalid.key());
        assertThat(ErrorSignature.of("401 Unauthorized: token expired", "AUTH").key())
                .isNotEqualTo(ErrorSignature.of("404 Not Found: record gone", "AUTH").key());
    }

    @Test
    void noErrorTextIsNoSignature() {
        assertThat(ErrorSignature.of(null, "TIMEOUT")).isNull();
        assertThat(ErrorSignature.of("  \n", "TIMEOUT")).isNull();
        assertThat(ErrorSignature.of("504", null)).isNotNull().extracting(ErrorSignature::text).isEqualTo("#");
    }
}
