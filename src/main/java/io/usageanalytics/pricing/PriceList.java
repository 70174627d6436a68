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
import java.util.Arrays;
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

    /** The columns a CSV header may name. */
    private static final List<String> COLUMNS = List.of("model", "service_tier", "effective_from", "input_per_1m",
            "cached_input_per_1m", "output_per_1m", "cache_write_per_1m", "audio_input_per_1m", "audio_output_per_1m");
    private static final List<String> REQUIRED = List.of("model", "input_per_1m", "output_per_1m");
    /** LiteLLM's key suffix of each tier it prices: standard, flex and priority. */
    private static final Map<String, String> LITELLM_TIERS = Map.of("", "", "flex", "_flex", "priority", "_priority");
    /** The columns of a CSV without a header line: the layout from before headers named them. */
    private static final List<String> HEADERLESS = List.of("model", "effective_from", "input_per_1m",
            "cached_input_per_1m", "output_per_1m");

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
     * CSV whose first line (after blank lines and {@code #} comments) names the columns, in any
     * order: {@code model}, {@code input_per_1m} and {@code output_per_1m} required; optional
     * {@code service_tier} (empty = standard), {@code effective_from} (yyyy-mm-dd, empty = always),
     * {@code cached_input_per_1m} (empty: cached costs as input), {@code cache_write_per_1m},
     * {@code audio_input_per_1m} and {@code audio_output_per_1m} (empty: the model has no such
     * price). A file whose first line names no column starts with price rows in the columns of
     * files before headers named them: {@code model,effective_from,input_per_1m,cached_input_per_1m,output_per_1m}.
     */
    public static PriceList csv(String text, String source) {
        Map<String, Map<String, List<Price>>> prices = new HashMap<>();
        List<String> columns = null;
        int lineNo = 0;
        for (String line : text.split("\r?\n")) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] fields = l.split(",", -1);
            try {
                if (columns == null) {
                    // A price row has a model name, a date and numbers: it never names a column.
                    boolean header = Arrays.stream(fields).map(String::strip).anyMatch(COLUMNS::contains);
                    columns = header ? columns(fields) : HEADERLESS;
                    if (header) {
                        continue;
                    }
                }
                addRow(prices, columns, fields);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": " + e.getMessage());
            }
        }
        return new PriceList(prices);
    }

    private static List<String> columns(String[] header) {
        List<String> columns = new ArrayList<>();
        for (String name : header) {
            String column = name.strip();
            if (!COLUMNS.contains(column)) {
                throw new IllegalArgumentException("unknown column \"" + column + "\"; columns are "
                        + String.join(",", COLUMNS));
            }
            if (columns.contains(column)) {
                throw new IllegalArgumentException("column " + column + " twice");
            }
            columns.add(column);
        }
        for (String column : REQUIRED) {
            if (!columns.contains(column)) {
                throw new IllegalArgumentException("missing column " + column);
            }
        }
        return columns;
    }

    private static void addRow(Map<String, Map<String, List<Price>>> prices, List<String> columns, String[] fields) {
        if (fields.length != columns.size()) {
            throw new IllegalArgumentException("expected " + columns.size() + " fields (" + String.join(",", columns)
                    + "), found " + fields.length);
        }
        Map<String, String> row = new HashMap<>();
        for (int i = 0; i < fields.length; i++) {
            row.put(columns.get(i), fields[i].strip());
        }
        String model = row.get("model");
        if (model.isEmpty()) {
            throw new IllegalArgumentException("model is empty");
        }
        String tier = row.getOrDefault("service_tier", "");
        String from = row.getOrDefault("effective_from", "");
        BigDecimal input = required(row, "input_per_1m");
        BigDecimal cached = optional(row, "cached_input_per_1m");
        Price price = new Price(input, cached == null ? input : cached, required(row, "output_per_1m"),
                optional(row, "cache_write_per_1m"), optional(row, "audio_input_per_1m"),
                optional(row, "audio_output_per_1m"), startOf(from));
        if (!add(prices, model, priceTier(tier), price)) {
            throw new IllegalArgumentException("duplicate (model, service_tier, effective_from): (" + model + ", "
                    + tier + ", " + from + ")");
        }
    }

    private static BigDecimal required(Map<String, String> row, String column) {
        BigDecimal value = optional(row, column);
        if (value == null) {
            throw new IllegalArgumentException(column + " is empty");
        }
        return value;
    }

    /** The column's number; null when the file has no such column or the field is empty. */
    private static BigDecimal optional(Map<String, String> row, String column) {
        String value = row.getOrDefault(column, "");
        if (value.isEmpty()) {
            return null;
        }
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " \"" + value + "\" is not a number");
        }
    }

    private static long startOf(String effectiveFrom) {
        if (effectiveFrom.isEmpty()) {
            return Long.MIN_VALUE;
        }
        try {
            return LocalDate.parse(effectiveFrom).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("effective_from \"" + effectiveFrom + "\" is not a yyyy-mm-dd date");
        }
    }

    /**
     * LiteLLM's {@code model_prices_and_context_window.json}: USD per token in
     * {@code input_cost_per_token}, {@code output_cost_per_token} and, where the model has them,
     * {@code cache_read_input_token_cost}, {@code cache_creation_input_token_cost} (cache writes),
     * {@code input_cost_per_audio_token} and {@code output_cost_per_audio_token}. The same keys
     * ending {@code _flex} or {@code _priority} give that tier's price when its input and output
     * costs are there. Entries without both costs (images, transcription) are skipped.
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
            LITELLM_TIERS.forEach((tier, suffix) -> liteLlmPrice(e.getValue(), suffix)
                    .ifPresent(p -> add(prices, e.getKey(), tier, p)));
        }
        return new PriceList(prices);
    }

    /** A model's price from the keys ending in {@code suffix}, if it has input and output costs. */
    private static Optional<Price> liteLlmPrice(JsonNode model, String suffix) {
        BigDecimal input = perMillion(model.path("input_cost_per_token" + suffix));
        BigDecimal output = perMillion(model.path("output_cost_per_token" + suffix));
        if (input == null || output == null) {
            return Optional.empty();
        }
        BigDecimal cached = perMillion(model.path("cache_read_input_token_cost" + suffix));
        return Optional.of(new Price(input, cached == null ? input : cached, output,
                perMillion(model.path("cache_creation_input_token_cost" + suffix)),
                perMillion(model.path("input_cost_per_audio_token" + suffix)),
                perMillion(model.path("output_cost_per_audio_token" + suffix)), Long.MIN_VALUE));
    }

    /** Adds the price unless the model has one for that tier from that date already; false then. */
    private static boolean add(Map<String, Map<String, List<Price>>> prices, String model, String tier, Price p) {
        List<Price> tierPrices = prices.computeIfAbsent(model, m -> new HashMap<>())
                .computeIfAbsent(tier, t -> new ArrayList<>());
        if (tierPrices.stream().anyMatch(q -> q.effectiveFromMillis() == p.effectiveFromMillis())) {
            return false;
        }
        return tierPrices.add(p);
    }

    /** USD per 1M tokens of a cost per token; null when there is no such number. */
    private static BigDecimal perMillion(JsonNode perToken) {
        if (!perToken.isNumber()) {
            return null;
        }
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
