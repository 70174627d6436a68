package io.usageanalytics.pricing;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.Optional;

/**
 * USD per 1M tokens from a date on. Input, cached input and output always have a price;
 * cacheWrite/audio prices null when the model has none.
 */
public record Price(BigDecimal inputPer1m, BigDecimal cachedInputPer1m, BigDecimal outputPer1m,
        BigDecimal cacheWritePer1m, BigDecimal audioInputPer1m, BigDecimal audioOutputPer1m,
        long effectiveFromMillis) implements Serializable {

    /** Scale of cost values, as the warehouse stores them (NUMERIC(24, 12)). */
    public static final int COST_SCALE = 12;

    public Price {
        Objects.requireNonNull(inputPer1m, "inputPer1m");
        Objects.requireNonNull(cachedInputPer1m, "cachedInputPer1m");
        Objects.requireNonNull(outputPer1m, "outputPer1m");
    }

    /**
     * Each class of tokens at its price, / 1e6, exact: text input (prompt less its cached,
     * cache-write and audio parts) at input, cached at cached input, cache writes at cache write,
     * audio prompt at audio input, text output (completion less audio) at output, audio completion
     * at audio output. Reasoning and prediction tokens are inside completion tokens and are not
     * added again. No clamping: rows are priced on window totals, which is only right while the
     * cost is linear in the tokens.
     *
     * @return empty when the tokens have a class (cache writes > 0, audio in > 0, audio out > 0)
     *         this price lacks: such a row is unpriced, never priced as text
     */
    public Optional<BigDecimal> cost(BilledTokens t) {
        if (lacks(t.cacheWrite(), cacheWritePer1m) || lacks(t.audioPrompt(), audioInputPer1m)
                || lacks(t.audioCompletion(), audioOutputPer1m)) {
            return Optional.empty();
        }
        long textInput = t.prompt() - t.cachedPrompt() - t.cacheWrite() - t.audioPrompt();
        long textOutput = t.completion() - t.audioCompletion();
        BigDecimal usd = times(textInput, inputPer1m)
                .add(times(t.cachedPrompt(), cachedInputPer1m))
                .add(times(t.cacheWrite(), cacheWritePer1m))
                .add(times(t.audioPrompt(), audioInputPer1m))
                .add(times(textOutput, outputPer1m))
                .add(times(t.audioCompletion(), audioOutputPer1m));
        // Per million: the same exact value as dividing, without an exact division's search for its scale.
        return Optional.of(usd.movePointLeft(6).setScale(COST_SCALE, RoundingMode.HALF_EVEN));
    }

    private static boolean lacks(long tokens, BigDecimal per1m) {
        return tokens > 0 && per1m == null;
    }

    /** A class without a price counts nothing: {@link #cost} has refused it if it had tokens. */
    private static BigDecimal times(long tokens, BigDecimal per1m) {
        return per1m == null ? BigDecimal.ZERO : BigDecimal.valueOf(tokens).multiply(per1m);
    }
}
