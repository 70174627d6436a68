package io.usageanalytics.pricing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceListTest {

    private static final PriceList BUNDLED = PriceList.bundled();
    private static final long JAN_2026 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final long FEB_2026 = Instant.parse("2026-02-01T00:00:00Z").toEpochMilli();
    private static final BilledTokens MILLION_IN = text(1_000_000, 0, 0);

    /** gpt-4o with a flex row, gpt-4o-mini without. */
    private static final String TIERED = "model,service_tier,input_per_1m,cached_input_per_1m,output_per_1m\n"
            + "gpt-4o,,2.50,1.25,10.00\n"
            + "gpt-4o,flex,1.25,0.625,5.00\n"
            + "gpt-4o-mini,,0.15,0.075,0.60\n";

    private static BigDecimal cost(PriceList prices, String model, long at, long prompt, long cached,
            long completion) {
        return prices.cost(model, "", at, text(prompt, cached, completion)).orElseThrow();
    }

    private static BilledTokens text(long prompt, long cached, long completion) {
        return new BilledTokens(prompt, cached, 0, 0, completion, 0);
    }

    /** USD per 1M as text; null for no price. */
    private static Price price(String input, String cached, String output, String cacheWrite, String audioInput,
            String audioOutput, long effectiveFrom) {
        return new Price(usd(input), usd(cached), usd(output), usd(cacheWrite), usd(audioInput), usd(audioOutput),
                effectiveFrom);
    }

    private static BigDecimal usd(String per1m) {
        return per1m == null ? null : new BigDecimal(per1m);
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
        assertThat(BUNDLED.cost("gpt-4o", "scale", JAN_2026, MILLION_IN)).isEmpty();
    }

    @Test
    void bundledFlexAndPriorityPrices() {
        // 600k text and 400k cached in, 500k out
        BilledTokens t = text(1_000_000, 400_000, 500_000);
        // o4-mini flex 0.55 / 0.1375 / 2.20: 0.6 × 0.55 + 0.4 × 0.1375 + 0.5 × 2.20
        assertThat(BUNDLED.cost("o4-mini-2025-04-16", "flex", JAN_2026, t)).hasValue(new BigDecimal("1.485000000000"));
        // o4-mini priority 2.00 / 0.50 / 8.00
        assertThat(BUNDLED.cost("o4-mini", "priority", JAN_2026, t)).hasValue(new BigDecimal("5.400000000000"));
        // gpt-5 flex 0.625 / 0.0625 / 5.00
        assertThat(BUNDLED.cost("gpt-5-2025-08-07", "flex", JAN_2026, t)).hasValue(new BigDecimal("2.900000000000"));
        // gpt-5-mini's own flex row 0.125 / 0.0125 / 1.00, not gpt-5's
        assertThat(BUNDLED.cost("gpt-5-mini-2025-08-07", "flex", JAN_2026, t))
                .hasValue(new BigDecimal("0.580000000000"));
        // gpt-5-mini priority 0.45 / 0.045 / 3.60
        assertThat(BUNDLED.cost("gpt-5-mini", "priority", JAN_2026, t)).hasValue(new BigDecimal("2.088000000000"));
        // gpt-4o priority 4.25 / 2.125 / 17.00; its 2024-05-13 snapshot 8.75 (no caching) / 26.25
        assertThat(BUNDLED.cost("gpt-4o-2024-08-06", "priority", JAN_2026, t))
                .hasValue(new BigDecimal("11.900000000000"));
        assertThat(BUNDLED.cost("gpt-4o-2024-05-13", "priority", JAN_2026, t))
                .hasValue(new BigDecimal("21.875000000000"));
        // o3 flex 1.00 / 0.25 / 4.00 since its price cut; unpriced before
        assertThat(BUNDLED.cost("o3", "flex", JAN_2026, t)).hasValue(new BigDecimal("2.700000000000"));
        assertThat(BUNDLED.cost("o3", "flex", Instant.parse("2025-05-01T00:00:00Z").toEpochMilli(), t)).isEmpty();
        assertThat(BUNDLED.cost("gpt-4o-mini-2024-07-18", "flex", JAN_2026, t)).as("no flex price").isEmpty();
        assertThat(BUNDLED.cost("gpt-5-chat-latest", "priority", JAN_2026, t)).as("no priority price").isEmpty();
    }

    @Test
    void bundledAudioPrices() {
        // 400k text and 600k audio in, 200k text and 300k audio out
        BilledTokens t = new BilledTokens(1_000_000, 0, 0, 600_000, 500_000, 300_000);
        // gpt-4o-audio-preview text 2.50 / 10.00, audio 40 / 80 since 2024-12-17:
        // 0.4 × 2.50 + 0.6 × 40 + 0.2 × 10 + 0.3 × 80
        assertThat(BUNDLED.cost("gpt-4o-audio-preview-2024-12-17", "", JAN_2026, t))
                .hasValue(new BigDecimal("51.000000000000"));
        // audio 100 / 200: the 2024-10-01 snapshot always, the undated name until 2024-12-17
        assertThat(BUNDLED.cost("gpt-4o-audio-preview-2024-10-01", "", JAN_2026, t))
                .hasValue(new BigDecimal("123.000000000000"));
        long nov2024 = Instant.parse("2024-11-01T00:00:00Z").toEpochMilli();
        assertThat(BUNDLED.cost("gpt-4o-audio-preview", "", nov2024, t)).hasValue(new BigDecimal("123.000000000000"));
        assertThat(BUNDLED.cost("gpt-4o-audio-preview", "", JAN_2026, t)).hasValue(new BigDecimal("51.000000000000"));
        // gpt-4o-mini-audio-preview 0.15 / 0.60, audio 10 / 20
        assertThat(BUNDLED.cost("gpt-4o-mini-audio-preview-2024-12-17", "", JAN_2026, t))
                .hasValue(new BigDecimal("12.180000000000"));
        // gpt-audio 2.50 / 10.00, audio 32 / 64; gpt-audio-mini 0.60 / 2.40, audio 10 / 20
        assertThat(BUNDLED.cost("gpt-audio-2025-08-28", "", JAN_2026, t)).hasValue(new BigDecimal("41.400000000000"));
        assertThat(BUNDLED.cost("gpt-audio-mini-2025-10-06", "", JAN_2026, t))
                .hasValue(new BigDecimal("12.720000000000"));
        assertThat(BUNDLED.cost("gpt-4o", "", JAN_2026, t)).as("gpt-4o has no audio price").isEmpty();
    }

    @Test
    void bundledAzureSpellings() {
        // 1M in, 1M out
        BilledTokens t = text(1_000_000, 0, 1_000_000);
        assertThat(BUNDLED.cost("gpt-35-turbo", "", JAN_2026, t)).hasValue(new BigDecimal("2.000000000000"));
        assertThat(BUNDLED.cost("gpt-35-turbo-0125", "", JAN_2026, t)).hasValue(new BigDecimal("2.000000000000"));
        assertThat(BUNDLED.cost("gpt-35-turbo-16k", "", JAN_2026, t)).hasValue(new BigDecimal("7.000000000000"));
        assertThat(BUNDLED.cost("gpt-35-turbo-instruct", "", JAN_2026, t)).hasValue(new BigDecimal("3.500000000000"));
        assertThat(BUNDLED.cost("gpt-5-chat", "", JAN_2026, t)).hasValue(new BigDecimal("11.250000000000"));
        assertThat(BUNDLED.cost("gpt-4-32k", "", JAN_2026, t)).hasValue(new BigDecimal("180.000000000000"));
        assertThat(BUNDLED.cost("gpt-4o-mini", "", JAN_2026, t)).hasValue(new BigDecimal("0.750000000000"));
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
        assertThat(cost(prices, "acme-large", FEB_2026, 1000, 500, 1000)).isEqualTo("0.009100000000");
        assertThat(prices.priceFor("gpt-4o", "", JAN_2026)).as("replaces, not extends").isEmpty();
    }

    @Test
    void aFiveColumnFileParsesAsBeforeWithOrWithoutItsHeader() {
        String rows = "# our negotiated rates\n"
                + "acme-large,,3.00,,12.00\n"
                + "acme-large,2026-02-01,2.00,0.20,8.00\n";
        String header = "model,effective_from,input_per_1m,cached_input_per_1m,output_per_1m\n";
        for (PriceList prices : List.of(PriceList.csv(rows, "a.csv"), PriceList.csv(header + rows, "b.csv"))) {
            assertThat(prices.priceFor("acme-large", "", JAN_2026))
                    .hasValue(price("3.00", "3.00", "12.00", null, null, null, Long.MIN_VALUE));
            assertThat(prices.priceFor("acme-large", "", FEB_2026))
                    .hasValue(price("2.00", "0.20", "8.00", null, null, null, FEB_2026));
        }
    }

    @Test
    void aHeaderNamesTheColumnsInAnyOrder() {
        PriceList prices = PriceList.csv("# every column, in another order\n"
                + "output_per_1m,service_tier,model,audio_output_per_1m,input_per_1m,cache_write_per_1m,"
                + "audio_input_per_1m,effective_from,cached_input_per_1m\n"
                + "8.00,,acme,80.00,2.00,2.50,40.00,2026-01-01,0.50\n"
                + "4.00,flex,acme,,1.00,,,2026-01-01,\n", "p.csv");
        assertThat(prices.priceFor("acme", "", JAN_2026))
                .hasValue(price("2.00", "0.50", "8.00", "2.50", "40.00", "80.00", JAN_2026));
        assertThat(prices.priceFor("acme", "flex", JAN_2026))
                .hasValue(price("1.00", "1.00", "4.00", null, null, null, JAN_2026));
        assertThat(PriceList.csv("model,input_per_1m,output_per_1m\nacme,1,2\n", "p.csv").priceFor("acme", "", 0))
                .as("only the required columns").hasValue(price("1", "1", "2", null, null, null, Long.MIN_VALUE));
    }

    @Test
    void aTierTakesOnlyRowsOfThatTierAndTheStandardTiersTheRowsWithout() {
        PriceList prices = PriceList.csv(TIERED, "p.csv");
        for (String tier : PriceList.STANDARD_TIERS) {
            assertThat(prices.cost("gpt-4o-2024-08-06", tier, JAN_2026, MILLION_IN)).as(tier)
                    .hasValue(new BigDecimal("2.500000000000"));
        }
        assertThat(prices.cost("gpt-4o-2024-08-06", "flex", JAN_2026, MILLION_IN))
                .hasValue(new BigDecimal("1.250000000000"));
        assertThat(prices.cost("gpt-4o", "priority", JAN_2026, MILLION_IN)).as("never the standard price").isEmpty();
        assertThat(PriceList.csv("model,service_tier,input_per_1m,output_per_1m\nacme,default,1,2\n", "p.csv")
                .priceFor("acme", "", 0)).as("a row for tier default is the standard price")
                .hasValue(price("1", "1", "2", null, null, null, Long.MIN_VALUE));
    }

    @Test
    void aDatedModelAtATierTakesItsOwnEntrysRowNeverAShorterEntrys() {
        assertThat(PriceList.csv(TIERED, "p.csv").cost("gpt-4o-mini-2024-07-18", "flex", JAN_2026, MILLION_IN))
                .as("gpt-4o-mini has no flex row; gpt-4o's is not its").isEmpty();
        PriceList miniFlex = PriceList.csv(TIERED + "gpt-4o-mini,flex,0.075,0.0375,0.30\n", "p.csv");
        assertThat(miniFlex.cost("gpt-4o-mini-2024-07-18", "flex", JAN_2026, MILLION_IN))
                .hasValue(new BigDecimal("0.075000000000"));
    }

    @Test
    void aBadLineIsNamedByFileAndLine() {
        assertCsvError("model,price\n", "p.csv line 1: unknown column \"price\"; columns are model,service_tier,"
                + "effective_from,input_per_1m,cached_input_per_1m,output_per_1m,cache_write_per_1m,"
                + "audio_input_per_1m,audio_output_per_1m");
        assertCsvError("# the header is next\nmodel,input_per_1m\n", "p.csv line 2: missing column output_per_1m");
        assertCsvError("model,input_per_1m,output_per_1m,model\n", "p.csv line 1: column model twice");
        assertCsvError("model,input_per_1m,output_per_1m\nacme,1,2\nacme,1,2,3\n",
                "p.csv line 3: expected 3 fields (model,input_per_1m,output_per_1m), found 4");
        assertCsvError("gpt-4o,2.5,10\n", "p.csv line 1: expected 5 fields "
                + "(model,effective_from,input_per_1m,cached_input_per_1m,output_per_1m), found 3");
        assertCsvError("gpt-4o,2024-01-01,2.5,x,10\n", "p.csv line 1: cached_input_per_1m \"x\" is not a number");
        assertCsvError("gpt-4o,2024-01-01,,,10\n", "p.csv line 1: input_per_1m is empty");
        assertCsvError("gpt-4o,2024-13-01,2.5,,10\n",
                "p.csv line 1: effective_from \"2024-13-01\" is not a yyyy-mm-dd date");
        assertCsvError(",2024-01-01,2.5,,10\n", "p.csv line 1: model is empty");
        assertCsvError("acme,2026-01-01,1,,2\nacme,2026-01-01,3,,4\n",
                "p.csv line 2: duplicate (model, service_tier, effective_from): (acme, , 2026-01-01)");
        assertCsvError(TIERED + "gpt-4o,flex,1,,2\n",
                "p.csv line 5: duplicate (model, service_tier, effective_from): (gpt-4o, flex, )");
    }

    private static void assertCsvError(String text, String message) {
        assertThatThrownBy(() -> PriceList.csv(text, "p.csv")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
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

    @Test
    void liteLlmFlexPriorityAudioAndCacheWritePrices() {
        PriceList prices = PriceList.liteLlm("{"
                + "\"gpt-5\": {\"input_cost_per_token\": 1.25e-06, \"output_cost_per_token\": 1e-05,"
                + " \"cache_read_input_token_cost\": 1.25e-07,"
                + " \"input_cost_per_token_flex\": 6.25e-07, \"output_cost_per_token_flex\": 5e-06,"
                + " \"cache_read_input_token_cost_flex\": 6.25e-08,"
                + " \"input_cost_per_token_priority\": 2.5e-06, \"output_cost_per_token_priority\": 2e-05,"
                + " \"cache_read_input_token_cost_priority\": 2.5e-07},"
                + "\"gpt-5-nano\": {\"input_cost_per_token\": 5e-08, \"output_cost_per_token\": 4e-07,"
                + " \"input_cost_per_token_priority\": 2.5e-06},"
                + "\"gpt-4o-audio-preview\": {\"input_cost_per_token\": 2.5e-06, \"output_cost_per_token\": 1e-05,"
                + " \"input_cost_per_audio_token\": 4e-05, \"output_cost_per_audio_token\": 8e-05},"
                + "\"claude-sonnet-4-5\": {\"input_cost_per_token\": 3e-06, \"output_cost_per_token\": 1.5e-05,"
                + " \"cache_read_input_token_cost\": 3e-07, \"cache_creation_input_token_cost\": 3.75e-06}}",
                "litellm.json");
        // 500k uncached and 500k cached in, 1M out: standard (1.25, 0.125, 10), flex (0.625, 0.0625, 5),
        // priority (2.50, 0.25, 20)
        BilledTokens halfCached = text(1_000_000, 500_000, 1_000_000);
        assertThat(prices.cost("gpt-5", "", JAN_2026, halfCached)).hasValue(new BigDecimal("10.687500000000"));
        assertThat(prices.cost("gpt-5-2025-08-07", "flex", JAN_2026, halfCached))
                .hasValue(new BigDecimal("5.343750000000"));
        assertThat(prices.cost("gpt-5", "priority", JAN_2026, halfCached)).hasValue(new BigDecimal("21.375000000000"));
        assertThat(prices.priceFor("gpt-5-nano", "priority", JAN_2026)).as("no output cost: no priority row").isEmpty();
        // 400 text + 600 audio in, 200 text + 300 audio out: (400 × 2.50 + 600 × 40 + 200 × 10 + 300 × 80) / 1e6
        BilledTokens audio = new BilledTokens(1_000, 0, 0, 600, 500, 300);
        assertThat(prices.cost("gpt-4o-audio-preview-2024-12-17", "", JAN_2026, audio))
                .hasValue(new BigDecimal("0.051000000000"));
        assertThat(prices.cost("gpt-5", "", JAN_2026, audio)).as("gpt-5 has no audio price").isEmpty();
        // 500 text + 200 cached + 300 cache writes in, 100 out:
        // (500 × 3 + 200 × 0.30 + 300 × 3.75 + 100 × 15) / 1e6
        assertThat(prices.cost("claude-sonnet-4-5", "", JAN_2026, new BilledTokens(1_000, 200, 300, 0, 100, 0)))
                .hasValue(new BigDecimal("0.004185000000"));
    }
}
