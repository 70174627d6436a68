package io.usageanalytics.assembly;

import io.usageanalytics.parsing.ChoicePart;
import io.usageanalytics.parsing.LoggedObject;

import com.knuddels.jtokkit.api.Encoding;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenEstimatorTest {

    private static LoggedObject delta(String model, String content) {
        LoggedObject o = new LoggedObject();
        o.model = model;
        o.choices = List.of(new ChoicePart(0, null, content));
        return o;
    }

    /** Remembered counts are the tokenizer's, per encoding, however often a text comes and however many there are. */
    @Test
    void aRememberedCountIsTheTokenizersForThatModelsEncoding() {
        TokenEstimator estimator = new TokenEstimator();
        Encoding o200k = estimator.encodingFor("gpt-4o");
        Encoding cl100k = estimator.encodingFor("gpt-4");
        assertThat(o200k).isNotSameAs(cl100k);
        String text = " señor 😀 strawberry";
        for (int round = 0; round < 2; round++) {
            assertThat(estimator.estimate(delta("gpt-4o", text))).isEqualTo(TokenEstimator.count(o200k, text));
            assertThat(estimator.estimate(delta("gpt-4", text))).isEqualTo(TokenEstimator.count(cl100k, text));
        }
        assertThat(TokenEstimator.count(o200k, text)).isNotEqualTo(TokenEstimator.count(cl100k, text));

        // past the number it remembers, it starts over, counting right all along
        for (int i = 0; i < 70_000; i++) {
            String word = " w" + i;
            assertThat(estimator.estimate(delta("gpt-4o", word))).isEqualTo(TokenEstimator.count(o200k, word));
        }
        String longText = "x".repeat(100) + " and more words than are remembered";
        assertThat(estimator.estimate(delta("gpt-4o", longText))).isEqualTo(TokenEstimator.count(o200k, longText));
        assertThat(estimator.estimate(delta("gpt-4o", null))).isZero();
    }
}
