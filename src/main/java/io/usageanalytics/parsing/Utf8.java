package io.usageanalytics.parsing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 * The JSON parser cannot be trusted with it alone: it matches field names against the names it
 * has seen by their bytes in groups of four, padding the last group with 0xFF, so a name whose
 * last group starts with that invalid byte reads as the valid name it imitates.
 */
final class Utf8 {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {}

    /** The offset of the first byte that is not part of valid UTF-8, or -1 if all are. */
    static int firstInvalid(byte[] b) {
        return firstInvalid(b, 0, b.length);
    }

    /** The offset of the first byte of {@code b[from, to)} that is not part of valid UTF-8 there, or -1. */
    static int firstInvalid(byte[] b, int from, int to) {
        int i = from;
        int n = to;
        while (i < n) {
            // Eight ASCII bytes at a time: nearly every byte of a logged response is ASCII.
            while (i + 8 <= n && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
                i += 8;
            }
            if (i >= n) {
                break;
            }
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            int length;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                length = 2;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                length = 3;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                length = 4;
                min = 0x10000;
            } else {
                return i;
            }
            if (i + length > n) {
                return i;
            }
            int cp = c & (0xFF >> (length + 1));
            for (int k = 1; k < length; k++) {
                int next = b[i + k] & 0xFF;
                if ((next & 0xC0) != 0x80) {
                    return i;
                }
                cp = (cp << 6) | (next & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return i;
            }
            i += length;
        }
        return -1;
    }
}
