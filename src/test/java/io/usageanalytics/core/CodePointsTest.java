package io.usageanalytics.core;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class CodePointsTest {

    /** Units where UTF-16 order and code point order part: BMP text, U+E000 and up, pairs, unpaired halves. */
    private static final char[] UNITS = {'a', 'b', '\uE000', '\uFFFF', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'};

    @Test
    void ordersByCodePointLikeComparingTheirArrays() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 200_000; i++) {
            String a = text(random);
            String b = random.nextInt(4) == 0 ? a + text(random) : text(random);
            int expected = Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
            assertThat(Integer.signum(CodePoints.compare(a, b))).as("%s vs %s", escaped(a), escaped(b))
                    .isEqualTo(Integer.signum(expected));
        }
    }

    @Test
    void putsCodePointsAboveTheBasicPlaneAfterIt() {
        assertThat(CodePoints.compare("\uD83D\uDE00", "\uE000")).isPositive();
        assertThat("\uD83D\uDE00".compareTo("\uE000")).as("unlike String.compareTo").isNegative();
        assertThat(CodePoints.compare("x\uD83D\uDE00", "x\uD83D")).isPositive();
        assertThat(CodePoints.compare("user-7", "user-7")).isZero();
        assertThat(CodePoints.compare("user-10", "user-9")).isNegative();
    }

    private static String text(SplittableRandom random) {
        char[] units = new char[random.nextInt(5)];
        for (int i = 0; i < units.length; i++) {
            units[i] = UNITS[random.nextInt(UNITS.length)];
        }
        return new String(units);
    }

    private static String escaped(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(String.format("\\u%04X", c)));
        return b.toString();
    }
}
