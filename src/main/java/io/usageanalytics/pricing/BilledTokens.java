package io.usageanalytics.pricing;

/**
 * A row's tokens by how they are billed. Each detail is a part of prompt or completion tokens:
 * cached prompt, cache-write and audio prompt tokens are inside {@code prompt}, audio completion
 * tokens inside {@code completion}.
 */
public record BilledTokens(long prompt, long cachedPrompt, long cacheWrite, long audioPrompt,
        long completion, long audioCompletion) {
}
