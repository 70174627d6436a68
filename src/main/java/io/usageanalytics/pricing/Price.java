package io.usageanalytics.pricing;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** USD per 1M tokens: input, cached input and output, from a date on. */
public record Price(BigDecimal inputPer1m, BigDecimal cachedInputPer1m, BigDecimal outputPer1m,
        long effectiveFromMillis) implements Serializable {

    /** Scale of cost values, as the warehouse stores them (NUMERIC(24, 12)). */
    public static final int COST_SCALE = 12;

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /**
     * ((prompt - cached) × input + cached × cached input + completion × output) / 1e6, exact.
     * Reasoning tokens are part of completion tokens and are not added again.
     */
    public BigDecimal cost(long promptTokens, long cachedPromptTokens, long completionTokens) {
        BigDecimal uncached = BigDecimal.valueOf(promptTokens - cachedPromptTokens).multiply(inputPer1m);
        BigDecimal cached = BigDecimal.valueOf(cachedPromptTokens).multiply(cachedInputPer1m);
        BigDecimal output = BigDecimal.valueOf(completionTokens).multiply(outputPer1m);
        return uncached.add(cached).add(output).divide(MILLION).setScale(COST_SCALE, RoundingMode.HALF_EVEN);
    }
}
