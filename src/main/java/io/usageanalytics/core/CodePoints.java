package io.usageanalytics.core;

import java.util.Arrays;

/** Text order by code point, as the README promises it for dimension values. */
public final class CodePoints {

    private CodePoints() {}

    /** {@link String#compareTo} orders UTF-16 units, which puts U+10000 and above before U+E000. */
    public static int compare(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }
}
