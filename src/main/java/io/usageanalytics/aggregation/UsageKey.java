package io.usageanalytics.aggregation;

/**
 * The key of a usage row as the window operator holds it: (model, backend), where the backend is
 * the fingerprint, followed by {@code U+0000} and the service tier when there is one. Earlier
 * releases keyed windows by (model, fingerprint), and Flink cannot change the key type of a
 * restored operator: this way their savepoints restore, their open windows as rows with no tier.
 * Names never contain {@code U+0000} (the parser rejects them), so the split is unambiguous.
 */
public final class UsageKey {

    private static final char SEPARATOR = '\u0000';

    private UsageKey() {}

    /** The fingerprint and tier as one string, as the window key and the spike detector hold them. */
    public static String backend(String systemFingerprint, String serviceTier) {
        return serviceTier.isEmpty() ? systemFingerprint : systemFingerprint + SEPARATOR + serviceTier;
    }

    static String fingerprint(String backend) {
        int split = backend.indexOf(SEPARATOR);
        return split < 0 ? backend : backend.substring(0, split);
    }

    static String serviceTier(String backend) {
        int split = backend.indexOf(SEPARATOR);
        return split < 0 ? "" : backend.substring(split + 1);
    }
}
