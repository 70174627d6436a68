package io.usageanalytics.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads test resources as bytes, keeping the exact bytes of each line. */
public final class Resources {

    private Resources() {}

    public static byte[] bytes(String name) {
        try (InputStream in = Resources.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String string(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** The lines of a JSONL resource, split on '\n' only, as raw bytes. */
    public static List<byte[]> lines(String name) {
        byte[] all = bytes(name);
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                if (i > start) {
                    lines.add(Arrays.copyOfRange(all, start, i));
                }
                start = i + 1;
            }
        }
        return lines;
    }
}
