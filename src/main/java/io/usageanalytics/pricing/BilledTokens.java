package io.usageanalytics.pricing;

/** A row's tokens by how they are billed. Each detail is a part of prompt or completion tokens. */
public record BilledTokens(long prompt, long cachedPrompt, long cacheWrite, long audioPrompt,
        long completion, long audioCompletion) {}
