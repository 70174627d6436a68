package io.usageanalytics.pricing;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class PriceTest {

    /** 2.00 input, 0.50 cached, 8.00 output, 2.50 cache write, 40 audio in, 80 audio out per 1M. */
    private static final Price EVERY_CLASS = new Price(new BigDecimal("2.00"), new BigDecimal("0.50"),
            new BigDecimal("8.00"), new BigDecimal("2.50"), new BigDecimal("40.00"), new BigDecimal("80.00"), 0);

    /** Text only, like gpt-4o: 2.50 input, 1.25 cached, 10.00 output. */
    private static final Price TEXT_ONLY = new Price(new BigDecimal("2.50"), new BigDecimal("1.25"),
            new BigDecimal("10.00"), null, null, null, 0);

    @Test
    void everyClassOfTokensCostsItsOwnPrice() {
        // prompt 10,000 = 1,000 cached + 500 cache writes + 2,000 audio + 6,500 text;
        // completion 3,000 = 1,000 audio + 2,000 text (reasoning tokens are in there, not added again):
        // (6,500 × 2 + 1,000 × 0.50 + 500 × 2.50 + 2,000 × 40 + 2,000 × 8 + 1,000 × 80) / 1e6
        assertThat(EVERY_CLASS.cost(new BilledTokens(10_000, 1_000, 500, 2_000, 3_000, 1_000)))
                .hasValue(new BigDecimal("0.190750000000"));
    }

    @Test
    void tokensOfAClassThePriceLacksLeaveTheRowUnpriced() {
        assertThat(TEXT_ONLY.cost(new BilledTokens(1_000, 0, 1, 0, 500, 0))).as("cache writes").isEmpty();
        assertThat(TEXT_ONLY.cost(new BilledTokens(1_000, 0, 0, 1, 500, 0))).as("audio in").isEmpty();
        assertThat(TEXT_ONLY.cost(new BilledTokens(1_000, 0, 0, 0, 500, 1))).as("audio out").isEmpty();
        // none of them: (600 × 2.50 + 400 × 1.25 + 500 × 10) / 1e6
        assertThat(TEXT_ONLY.cost(new BilledTokens(1_000, 400, 0, 0, 500, 0)))
                .hasValue(new BigDecimal("0.007000000000"));
    }

    @Test
    void theCostIsLinearInTheTokensWithoutClamping() {
        // more cached than prompt tokens (only in inconsistent totals) counts -50 text input tokens:
        // (-50 × 2.50 + 150 × 1.25) / 1e6
        assertThat(TEXT_ONLY.cost(new BilledTokens(100, 150, 0, 0, 0, 0))).hasValue(new BigDecimal("0.000062500000"));
    }

    @Test
    void costsAreRoundedHalfEvenToTwelveDecimals() {
        Price tiny = new Price(new BigDecimal("0.0000005"), new BigDecimal("0.0000015"), BigDecimal.ZERO,
                null, null, null, 0);
        // 1 × 0.0000005 / 1e6 = 5e-13 rounds to even 0; 1 × 0.0000015 / 1e6 = 1.5e-12 rounds to 2e-12
        assertThat(tiny.cost(new BilledTokens(1, 0, 0, 0, 0, 0))).hasValue(new BigDecimal("0E-12"));
        assertThat(tiny.cost(new BilledTokens(1, 1, 0, 0, 0, 0))).hasValue(new BigDecimal("2E-12"));
    }
}
