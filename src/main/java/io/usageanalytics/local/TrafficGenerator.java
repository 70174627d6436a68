package io.usageanalytics.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Generates realistic logged traffic, deterministically from a seed: completions with n = 1..3 and
 * tool calls, streams with and without a usage chunk, cut-off streams, gateway retries logged twice
 * and a small share of malformed records, across several models and backend fingerprints. Used by
 * the local runner, the benchmark and the fault-injection tests.
 */
public final class TrafficGenerator {

    /** One Kafka record to produce: key (the completion id) and value. */
    public record Record(byte[] key, byte[] value) {}

    /**
     * What was generated so far, counted as it was written: the ground truth a run's table is
     * checked against (requests and streams in it, retries it must drop, records it must reject).
     */
    public static final class Tally {
        public long records;
        public long requests;
        public long streamedRequests;
        public long duplicates;
        public long malformed;
        /**
         * With {@link #recordingDetail()} only (both grow with the traffic): the malformed records
         * exactly as emitted, key and value, in order.
         */
        public final List<Record> malformedRecords = new ArrayList<>();
        /** With {@link #recordingDetail()} only: requests per backend and minute of {@code created}. */
        public final Map<BackendMinute, Requests> requestsByMinute = new TreeMap<>();
    }

    /**
     * A backend (model, and fingerprint or {@code null} when it sends none) in the minute of
     * {@code created} starting at {@code minute} (epoch seconds).
     */
    public record BackendMinute(long minute, String model, String systemFingerprint)
            implements Comparable<BackendMinute> {
        @Override
        public int compareTo(BackendMinute o) {
            int c = Long.compare(minute, o.minute);
            c = c != 0 ? c : model.compareTo(o.model);
            return c != 0 ? c : String.valueOf(systemFingerprint).compareTo(String.valueOf(o.systemFingerprint));
        }
    }

    /** Requests generated for one backend and minute: all, streamed, and retried (logged twice). */
    public static final class Requests {
        public long requests;
        public long streamedRequests;
        public long duplicates;
    }

    private final Tally tally = new Tally();
    private boolean detail;

    private static final String[][] BACKENDS = {
        {"gpt-4o-2024-08-06", "fp_a1b2c3"}, {"gpt-4o-2024-08-06", "fp_d4e5f6"},
        {"gpt-4o-mini-2024-07-18", "fp_0aa0aa"}, {"gpt-4.1-mini", "fp_41m001"},
        {"gpt-5-mini", "fp_5m0001"}, {"o3-mini", "fp_o3m001"}, {"gpt-3.5-turbo", null},
    };
    private static final String[] WORDS = {
        "The", " answer", " is", " 42", ".", " Sure", ",", " here", " you", " go", " weather", " in",
        " Paris", " today", " looks", " sunny", "!", " Let", " me", " check",
    };
    private static final JsonFactory JSON = new JsonFactory();

    private final SplittableRandom random;
    private final double requestsPerSecond;
    private final double malformedShare;
    private final double duplicateShare;
    private long startMillis;
    private long sequence;

    /**
     * @param startEpochSeconds {@code created} of the first request
     * @param requestsPerSecond spacing of {@code created} between requests (event time)
     */
    public TrafficGenerator(long seed, long startEpochSeconds, double requestsPerSecond,
            double malformedShare, double duplicateShare) {
        this.random = new SplittableRandom(seed);
        this.startMillis = startEpochSeconds * 1000;
        this.requestsPerSecond = requestsPerSecond;
        this.malformedShare = malformedShare;
        this.duplicateShare = duplicateShare;
    }

    /**
     * Keeps the tally's malformed records and requests per minute from now on (for tests: they grow
     * with the traffic). The generated records are the same either way.
     */
    public TrafficGenerator recordingDetail() {
        detail = true;
        return this;
    }

    /** The records of the next {@code requests} requests, in the order a gateway would log them. */
    public List<Record> next(int requests) {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long created = (startMillis + (long) (sequence * 1000 / requestsPerSecond)) / 1000;
            String id = "chatcmpl-" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
            sequence++;
            String[] backend = BACKENDS[random.nextInt(BACKENDS.length)];
            int before = out.size();
            if (random.nextDouble() < malformedShare) {
                byte[] whole = completion(id, backend, created);
                out.add(new Record(bytes(id), java.util.Arrays.copyOf(whole, whole.length / 2)));
                tally.malformed++;
                if (detail) {
                    tally.malformedRecords.add(out.get(out.size() - 1));
                }
            } else if (random.nextBoolean()) {
                stream(out, id, backend, created);
                tally.requests++;
                tally.streamedRequests++;
                if (detail) {
                    Requests r = minute(backend, created);
                    r.requests++;
                    r.streamedRequests++;
                }
            } else {
                byte[] value = completion(id, backend, created);
                out.add(new Record(bytes(id), value));
                tally.requests++;
                boolean retried = random.nextDouble() < duplicateShare;
                if (retried) {
                    out.add(new Record(bytes(id), value));
                    tally.duplicates++;
                }
                if (detail) {
                    Requests r = minute(backend, created);
                    r.requests++;
                    r.duplicates += retried ? 1 : 0;
                }
            }
            tally.records += out.size() - before;
        }
        return out;
    }

    /** Everything generated so far (live: it keeps counting). */
    public Tally tally() {
        return tally;
    }

    private Requests minute(String[] backend, long created) {
        return tally.requestsByMinute.computeIfAbsent(
                new BackendMinute(created - Math.floorMod(created, 60), backend[0], backend[1]), k -> new Requests());
    }

    /** Moves event time to {@code epochSeconds} for the next request (a live clock, say). */
    public void restartAt(long epochSeconds) {
        startMillis = epochSeconds * 1000;
        sequence = 0;
    }

    private byte[] completion(String id, String[] backend, long created) {
        int n = 1 + (random.nextInt(10) == 0 ? random.nextInt(3) : 0);
        return json(g -> {
            head(g, id, "chat.completion", backend, created);
            g.writeArrayFieldStart("choices");
            for (int i = 0; i < n; i++) {
                boolean tool = random.nextInt(8) == 0;
                g.writeStartObject();
                g.writeNumberField("index", i);
                g.writeObjectFieldStart("message");
                g.writeStringField("role", "assistant");
                if (tool) {
                    g.writeNullField("content");
                    g.writeArrayFieldStart("tool_calls");
                    g.writeStartObject();
                    g.writeStringField("id", "call_" + i);
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", "get_weather");
                    g.writeStringField("arguments", "{\"city\":\"Paris\"}");
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                } else {
                    g.writeStringField("content", text(3 + random.nextInt(20)));
                }
                g.writeNullField("refusal");
                g.writeEndObject();
                g.writeNullField("logprobs");
                g.writeStringField("finish_reason", tool ? "tool_calls" : finishReason());
                g.writeEndObject();
            }
            g.writeEndArray();
            usage(g, 20 + random.nextInt(2000), 5 + random.nextInt(500));
            g.writeStringField("service_tier", "default");
        });
    }

    private void stream(List<Record> out, String id, String[] backend, long created) {
        int n = random.nextInt(8) == 0 ? 2 : 1;
        boolean withUsage = random.nextInt(10) < 7;
        boolean cutOff = random.nextInt(20) == 0;
        int deltas = 3 + random.nextInt(10);
        byte[] key = bytes(id);
        for (int i = 0; i < n; i++) {
            int choice = i;
            out.add(new Record(key, chunk(id, backend, created, g -> delta(g, choice, "", null, true), withUsage)));
        }
        for (int d = 0; d < deltas; d++) {
            for (int i = 0; i < n; i++) {
                int choice = i;
                String word = WORDS[random.nextInt(WORDS.length)];
                out.add(new Record(key, chunk(id, backend, created, g -> delta(g, choice, word, null, false), withUsage)));
            }
        }
        if (cutOff) {
            return;
        }
        for (int i = 0; i < n; i++) {
            int choice = i;
            String reason = finishReason();
            out.add(new Record(key, chunk(id, backend, created, g -> delta(g, choice, null, reason, false), withUsage)));
        }
        if (withUsage) {
            out.add(new Record(key, json(g -> {
                head(g, id, "chat.completion.chunk", backend, created);
                g.writeArrayFieldStart("choices");
                g.writeEndArray();
                usage(g, 20 + random.nextInt(2000), deltas * n);
            })));
        }
    }

    private byte[] chunk(String id, String[] backend, long created, Writer choice, boolean usageNull) {
        return json(g -> {
            head(g, id, "chat.completion.chunk", backend, created);
            g.writeArrayFieldStart("choices");
            choice.write(g);
            g.writeEndArray();
            if (usageNull) {
                g.writeNullField("usage");
            }
        });
    }

    private static void delta(JsonGenerator g, int index, String content, String finish, boolean role)
            throws IOException {
        g.writeStartObject();
        g.writeNumberField("index", index);
        g.writeObjectFieldStart("delta");
        if (role) {
            g.writeStringField("role", "assistant");
        }
        if (content != null) {
            g.writeStringField("content", content);
        }
        g.writeEndObject();
        g.writeNullField("logprobs");
        if (finish == null) {
            g.writeNullField("finish_reason");
        } else {
            g.writeStringField("finish_reason", finish);
        }
        g.writeEndObject();
    }

    private static void head(JsonGenerator g, String id, String object, String[] backend, long created)
            throws IOException {
        g.writeStringField("id", id);
        g.writeStringField("object", object);
        g.writeNumberField("created", created);
        g.writeStringField("model", backend[0]);
        if (backend[1] != null) {
            g.writeStringField("system_fingerprint", backend[1]);
        }
    }

    private void usage(JsonGenerator g, int prompt, int completion) throws IOException {
        int cached = random.nextInt(4) == 0 ? prompt / 2 : 0;
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", prompt);
        g.writeNumberField("completion_tokens", completion);
        g.writeNumberField("total_tokens", prompt + completion);
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", cached);
        g.writeEndObject();
        g.writeObjectFieldStart("completion_tokens_details");
        g.writeNumberField("reasoning_tokens", random.nextInt(4) == 0 ? completion / 3 : 0);
        g.writeEndObject();
        g.writeEndObject();
    }

    private String finishReason() {
        int r = random.nextInt(100);
        return r < 85 ? "stop" : r < 95 ? "length" : r < 98 ? "content_filter" : "tool_calls";
    }

    private String text(int words) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < words; i++) {
            s.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return s.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the fields of one JSON object. */
    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Writer fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
