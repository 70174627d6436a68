package io.usageanalytics.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Model prices per service tier. A logged model name takes its exact entry, else the longest
 * entry {@code E} such that the name starts with {@code E-} ({@code gpt-4o-mini-2024-07-18}
 * prices as {@code gpt-4o-mini}, not {@code gpt-4o}), whatever tiers the entries have; of that
 * entry's prices for the tier, the one with the latest {@code effective_from} on or before the
 * window's start applies.
 */
public final class PriceList implements Serializable {

    /** Tiers the standard price (a row without service_tier) applies to. */
    public static final Set<String> STANDARD_TIERS = Set.of("", "default", "auto");

    private static final long serialVersionUID = 1L;
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** Prices per model name and price tier ("" = standard), each list sorted by effective date. */
    private final Map<String, Map<String, List<Price>>> byModel;

    private PriceList(Map<String, Map<String, List<Price>>> byModel) {
        this.byModel = byModel;
        byModel.values().forEach(tiers -> tiers.values()
                .forEach(l -> l.sort(Comparator.comparingLong(Price::effectiveFromMillis))));
    }

    /** The price list that ships with the job ({@code prices.csv}). */
    public static PriceList bundled() {
        try (InputStream in = PriceList.class.getResourceAsStream("/prices.csv")) {
            return csv(new String(in.readAllBytes(), StandardCharsets.UTF_8), "prices.csv");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code --prices FILE}: the bundled CSV format, or LiteLLM's JSON when the file ends in .json. */
    public static PriceList load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return file.toString().endsWith(".json") ? liteLlm(text, file.toString()) : csv(text, file.toString());
    }

    /**
     * {@code model,effective_from,input_per_1m,cached_input_per_1m,output_per_1m}; {@code #}
     * comments and a header line allowed; {@code effective_from} (yyyy-mm-dd) and the cached
     * price may be empty (cached then costs as input).
     */
    public static PriceList csv(String text, String source) {
        Map<String, Map<String, List<Price>>> prices = new HashMap<>();
        int lineNo = 0;
        for (String line : text.split("\r?\n")) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("model,")) {
                continue;
            }
            String[] f = l.split(",", -1);
            if (f.length != 5 || f[0].isBlank()) {
                throw new IllegalArgumentException(source + " line " + lineNo
                        + ": expected model,effective_from,input_per_1m,cached_input_per_1m,output_per_1m");
            }
            try {
                BigDecimal input = new BigDecimal(f[2].strip());
                BigDecimal cached = f[3].isBlank() ? input : new BigDecimal(f[3].strip());
                BigDecimal output = new BigDecimal(f[4].strip());
                long from = f[1].isBlank() ? Long.MIN_VALUE
                        : LocalDate.parse(f[1].strip()).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
                add(prices, f[0].strip(), "", new Price(input, cached, output, null, null, null, from));
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": " + e.getMessage());
            }
        }
        return new PriceList(prices);
    }

    /**
     * LiteLLM's {@code model_prices_and_context_window.json}: USD per token in
     * {@code input_cost_per_token}, {@code output_cost_per_token} and, where caching exists,
     * {@code cache_read_input_token_cost}. Entries without both costs (images, audio) are skipped.
     */
    public static PriceList liteLlm(String json, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object of models");
        }
        Map<String, Map<String, List<Price>>> prices = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode m = e.getValue();
            if (!m.path("input_cost_per_token").isNumber() || !m.path("output_cost_per_token").isNumber()) {
                continue;
            }
            BigDecimal input = perMillion(m.path("input_cost_per_token"));
            BigDecimal cached = m.path("cache_read_input_token_cost").isNumber()
                    ? perMillion(m.path("cache_read_input_token_cost")) : input;
            add(prices, e.getKey(), "", new Price(input, cached, perMillion(m.path("output_cost_per_token")),
                    null, null, null, Long.MIN_VALUE));
        }
        return new PriceList(prices);
    }

    private static void add(Map<String, Map<String, List<Price>>> prices, String model, String tier, Price p) {
        prices.computeIfAbsent(model, m -> new HashMap<>()).computeIfAbsent(tier, t -> new ArrayList<>()).add(p);
    }

    private static BigDecimal perMillion(JsonNode perToken) {
        // From the number's text, so 2.5e-06 becomes exactly 2.5 per 1M.
        return new BigDecimal(perToken.asText()).multiply(MILLION).stripTrailingZeros();
    }

    /**
     * The price of {@code model} at {@code serviceTier} for a window starting at
     * {@code windowStartMillis}: the standard price for {@link #STANDARD_TIERS} (and null, a tier
     * not logged), else only a price of exactly that tier.
     */
    public Optional<Price> priceFor(String model, String serviceTier, long windowStartMillis) {
        Map<String, List<Price>> tiers = entry(model);
        List<Price> prices = tiers == null ? null : tiers.get(priceTier(serviceTier));
        if (prices == null) {
            return Optional.empty();
        }
        Price applies = null;
        for (Price p : prices) {
            if (p.effectiveFromMillis() <= windowStartMillis) {
                applies = p;
            }
        }
        return Optional.ofNullable(applies);
    }

    /** Cost of tokens of {@code model} at {@code serviceTier} in a window; empty = unpriced. */
    public Optional<BigDecimal> cost(String model, String serviceTier, long windowStartMillis, BilledTokens t) {
        return priceFor(model, serviceTier, windowStartMillis).flatMap(p -> p.cost(t));
    }

    /** The exact entry, else the longest dash prefix, over all tiers' rows. */
    private Map<String, List<Price>> entry(String model) {
        Map<String, List<Price>> tiers = byModel.get(model);
        if (tiers != null) {
            return tiers;
        }
        String best = null;
        for (String entry : byModel.keySet()) {
            if (model.startsWith(entry + "-") && (best == null || entry.length() > best.length())) {
                best = entry;
            }
        }
        return best == null ? null : byModel.get(best);
    }

    private static String priceTier(String serviceTier) {
        return serviceTier == null || STANDARD_TIERS.contains(serviceTier) ? "" : serviceTier;
    }
}
