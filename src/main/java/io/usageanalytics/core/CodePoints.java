package io.usageanalytics.core;

/** Text order by code point, as the README promises it for dimension values. */
public final class CodePoints {

    private CodePoints() {}

    /**
     * {@link String#compareTo} orders UTF-16 units, which puts U+10000 and above before U+E000;
     * this orders the code points, unpaired surrogates as themselves. Allocates nothing: it runs
     * for every chunk of a stream and in every ranking of a window's combinations.
     */
    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // The code points the first differing units belong to: a pair starts a unit earlier.
                int at = i > 0 && Character.isHighSurrogate(a.charAt(i - 1))
                        && (Character.isLowSurrogate(x) || Character.isLowSurrogate(y)) ? i - 1 : i;
                return Integer.compare(a.codePointAt(at), b.codePointAt(at));
            }
        }
        return Integer.compare(a.length(), b.length());
    }
}
