package io.usageanalytics.pricing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceListTest {

    private static final PriceList BUNDLED = PriceList.bundled();
    private static final long JAN_2026 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private static BigDecimal cost(PriceList prices, String model, long at, long prompt, long cached,
            long completion) {
        return prices.cost(model, "", at, text(prompt, cached, completion)).orElseThrow();
    }

    private static BilledTokens text(long prompt, long cached, long completion) {
        return new BilledTokens(prompt, cached, 0, 0, completion, 0);
    }

    @Test
    void cachedPromptTokensCostTheCachedPrice() {
        // gpt-4o: 2.50 input, 1.25 cached, 10.00 output per 1M: (600 × 2.50 + 400 × 1.25 + 500 × 10) / 1e6
        assertThat(cost(BUNDLED, "gpt-4o", JAN_2026, 1000, 400, 500)).isEqualTo("0.007000000000");
        // reasoning tokens are inside completion tokens: o3-mini 1.10/0.55/4.40
        assertThat(cost(BUNDLED, "o3-mini", JAN_2026, 100, 0, 1000)).isEqualTo("0.004510000000");
    }

    @Test
    void aModelTakesItsExactEntryElseTheLongestDashPrefix() {
        Price mini = BUNDLED.priceFor("gpt-4o-mini-2024-07-18", "", JAN_2026).orElseThrow();
        assertThat(mini.inputPer1m()).isEqualTo("0.15");
        assertThat(mini.outputPer1m()).isEqualTo("0.60");
        assertThat(BUNDLED.priceFor("gpt-4o-2024-08-06", "", JAN_2026).orElseThrow().inputPer1m()).isEqualTo("2.50");
        assertThat(BUNDLED.priceFor("gpt-4o-2024-05-13", "", JAN_2026).orElseThrow().inputPer1m()).isEqualTo("5.00");
        // "gpt-4o" is no prefix of "gpt-4omni": only a whole dash-separated prefix counts
        assertThat(BUNDLED.priceFor("gpt-4omni", "", JAN_2026)).isEmpty();
    }

    @Test
    void aPriceChangeAppliesOnlyFromItsDate() {
        long before = Instant.parse("2025-06-09T23:59:00Z").toEpochMilli();
        long from = Instant.parse("2025-06-10T00:00:00Z").toEpochMilli();
        assertThat(cost(BUNDLED, "o3", before, 1_000_000, 0, 0)).isEqualTo("10.000000000000");
        assertThat(cost(BUNDLED, "o3", from, 1_000_000, 0, 0)).isEqualTo("2.000000000000");
        assertThat(BUNDLED.priceFor("o3", "", Instant.parse("2025-01-01T00:00:00Z").toEpochMilli())).isEmpty();
    }

    @Test
    void standardTiersTakeTheStandardPriceAnyOtherTierOnlyItsOwn() {
        for (String tier : new String[] {"", "default", "auto", null}) {
            assertThat(BUNDLED.priceFor("gpt-4o", tier, JAN_2026)).as(tier).get()
                    .extracting(Price::inputPer1m).isEqualTo(new BigDecimal("2.50"));
        }
        assertThat(BUNDLED.cost("gpt-4o", "scale", JAN_2026, text(1000, 0, 0))).isEmpty();
    }

    @Test
    void unknownModelsHaveNoPrice() {
        assertThat(BUNDLED.priceFor("llama-3.1-70b-instruct", "", JAN_2026)).isEmpty();
    }

    @Test
    void csvFileWithOptionalColumns(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.csv");
        Files.writeString(file, "model,effective_from,input_per_1m,cached_input_per_1m,output_per_1m\n"
                + "# our negotiated rates\n"
                + "acme-large,,3.00,,12.00\n"
                + "acme-large,2026-02-01,2.00,0.20,8.00\n");
        PriceList prices = PriceList.load(file);
        assertThat(cost(prices, "acme-large-v2", JAN_2026, 1000, 500, 1000)).isEqualTo("0.015000000000");
        long feb = Instant.parse("2026-02-01T00:00:00Z").toEpochMilli();
        assertThat(cost(prices, "acme-large", feb, 1000, 500, 1000)).isEqualTo("0.009100000000");
        assertThat(prices.priceFor("gpt-4o", "", JAN_2026)).as("replaces, not extends").isEmpty();
    }

    @Test
    void badCsvLineIsNamed() {
        assertThatThrownBy(() -> PriceList.csv("gpt-4o,2024-01-01,2.5,x,10\n", "p.csv"))
                .hasMessage("p.csv line 1: Character x is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark.");
        assertThatThrownBy(() -> PriceList.csv("gpt-4o,2.5,10\n", "p.csv"))
                .hasMessageStartingWith("p.csv line 1: expected model,effective_from");
    }

    @Test
    void liteLlmPriceFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model_prices_and_context_window.json");
        Files.writeString(file, "{\"sample_spec\": {\"max_tokens\": \"LEGACY\", \"input_cost_per_token\": 0.0},"
                + "\"gpt-4o\": {\"max_tokens\": 16384, \"input_cost_per_token\": 2.5e-06,"
                + " \"output_cost_per_token\": 1e-05, \"cache_read_input_token_cost\": 1.25e-06,"
                + " \"litellm_provider\": \"openai\", \"mode\": \"chat\"},"
                + "\"gpt-3.5-turbo\": {\"input_cost_per_token\": 5e-07, \"output_cost_per_token\": 1.5e-06},"
                + "\"dall-e-3\": {\"mode\": \"image_generation\", \"input_cost_per_pixel\": 1e-07}}");
        PriceList prices = PriceList.load(file);
        assertThat(cost(prices, "gpt-4o-2024-08-06", JAN_2026, 1000, 400, 500)).isEqualTo("0.007000000000");
        Price turbo = prices.priceFor("gpt-3.5-turbo", "", JAN_2026).orElseThrow();
        assertThat(turbo.cachedInputPer1m()).as("no cache price: cached costs as input").isEqualTo("0.5");
        assertThat(turbo.outputPer1m()).isEqualTo("1.5");
        assertThat(prices.priceFor("dall-e-3", "", JAN_2026)).isEmpty();
        assertThat(prices.priceFor("sample_spec", "", JAN_2026)).isEmpty();
    }
}
