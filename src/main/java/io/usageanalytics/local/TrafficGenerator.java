package io.usageanalytics.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Generates realistic logged traffic, deterministically from a seed: completions with n = 1..3 and
 * tool calls, streams with and without a usage chunk, cut-off streams, gateway retries logged twice
 * and a small share of malformed records, across several models and backend fingerprints; service
 * tiers (mostly default, some flex and priority) where the model has them, predicted outputs,
 * spoken completions of an audio model, Azure OpenAI's streams (its prompt-filter preamble first)
 * and a vLLM server's streams with cumulative usage on every chunk. A gateway logs each request for
 * one of a handful of tenants (one much heavier than the rest) in the Kafka header {@link
 * #TENANT_HEADER}, and its app and user in an envelope field {@link #ENVELOPE} it adds to every
 * logged object. Used by the local runner, the benchmark and the fault-injection tests.
 */
public final class TrafficGenerator {

    /** The Kafka header naming the tenant that made a request. */
    public static final String TENANT_HEADER = "x-tenant";
    /** The field the gateway adds to every logged object: {@code {"app":"...","user":"user-<n>"}}. */
    public static final String ENVELOPE = "x_gateway";
    /** The dimensions that attribute the generated traffic: the tenant's header, the envelope's app. */
    public static final List<String> DIMENSIONS = List.of("tenant=header:" + TENANT_HEADER,
            "app=json:/" + ENVELOPE + "/app");
    /** Users per tenant and app unless {@link #users(int)} says otherwise. */
    public static final int DEFAULT_USERS = 200;

    /** One Kafka record to produce: key (the completion id), value and headers (name to value). */
    public record Record(byte[] key, byte[] value, Map<String, byte[]> headers) {
        /** A record without headers. */
        public Record(byte[] key, byte[] value) {
            this(key, value, Map.of());
        }

        /** This record for {@code topic}, its headers as Kafka headers. */
        public ProducerRecord<byte[], byte[]> to(String topic) {
            return new ProducerRecord<>(topic, null, key, value, headers.entrySet().stream()
                    .<Header>map(h -> new RecordHeader(h.getKey(), h.getValue())).toList());
        }
    }

    /**
     * What was generated so far, counted as it was written: the ground truth a run's table is
     * checked against (requests and streams in it, retries it must drop, records it must reject
     * or skip).
     */
    public static final class Tally {
        public long records;
        public long requests;
        public long streamedRequests;
        public long duplicates;
        public long malformed;
        /** Records without usage by design, which the job skips: Azure's preamble, one per Azure stream. */
        public long skipped;
        /**
         * With {@link #recordingDetail()} only (both grow with the traffic): the malformed records
         * exactly as emitted, key and value, in order.
         */
        public final List<Record> malformedRecords = new ArrayList<>();
        /**
         * With {@link #recordingDetail()} only: requests per backend, tier, tenant, app and minute of
         * {@code created}.
         */
        public final Map<BackendMinute, Requests> requestsByMinute = new TreeMap<>();
    }

    /**
     * A backend (model, and fingerprint or {@code null} when it sends none) and service tier
     * ({@code null} when it sends none), called by a tenant's app, in the minute of {@code created}
     * starting at {@code minute} (epoch seconds).
     */
    public record BackendMinute(long minute, String model, String systemFingerprint, String serviceTier,
            String tenant, String app) implements Comparable<BackendMinute> {
        @Override
        public int compareTo(BackendMinute o) {
            int c = Long.compare(minute, o.minute);
            c = c != 0 ? c : model.compareTo(o.model);
            c = c != 0 ? c : String.valueOf(systemFingerprint).compareTo(String.valueOf(o.systemFingerprint));
            c = c != 0 ? c : String.valueOf(serviceTier).compareTo(String.valueOf(o.serviceTier));
            c = c != 0 ? c : tenant.compareTo(o.tenant);
            return c != 0 ? c : app.compareTo(o.app);
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

    /** What a backend's responses look like. */
    private enum Kind {
        /** OpenAI: completions and streams. */
        CHAT,
        /** OpenAI, and now and then a request with a predicted output. */
        PREDICTS,
        /** OpenAI, in the default tier mostly, some requests in flex or priority. */
        TIERED,
        /** OpenAI's audio model: completions only, spoken questions and answers. */
        AUDIO,
        /** Azure OpenAI: streams only, logged the way Azure sends them. */
        AZURE,
        /** A vLLM server: streams only, usage so far on every chunk. */
        VLLM
    }

    /** A model, its fingerprint ({@code null}: none sent), its responses' kind and its percent of the requests. */
    private record Backend(String model, String fingerprint, Kind kind, int percent) {}

    /** A tenant or an app and its percent of the requests. */
    private record Share(String name, int percent) {}

    private static final Share[] TENANTS = {
        new Share("acme", 60), new Share("globex", 10), new Share("initech", 10), new Share("umbrella", 10),
        new Share("hooli", 10),
    };
    private static final Share[] APPS = {
        new Share("chat", 40), new Share("search", 30), new Share("batch", 20), new Share("support", 10),
    };

    private static final Backend[] BACKENDS = {
        new Backend("gpt-4o-2024-08-06", "fp_a1b2c3", Kind.PREDICTS, 10),
        new Backend("gpt-4o-2024-08-06", "fp_d4e5f6", Kind.PREDICTS, 10),
        new Backend("gpt-4o-mini-2024-07-18", "fp_0aa0aa", Kind.PREDICTS, 10),
        new Backend("gpt-4.1-mini", "fp_41m001", Kind.PREDICTS, 10),
        new Backend("gpt-5-mini", "fp_5m0001", Kind.TIERED, 10),
        new Backend("o4-mini-2025-04-16", "fp_o4m001", Kind.TIERED, 10),
        new Backend("o3-mini", "fp_o3m001", Kind.CHAT, 10),
        new Backend("gpt-3.5-turbo", null, Kind.CHAT, 10),
        new Backend("gpt-4o-audio-preview-2024-12-17", "fp_aud001", Kind.AUDIO, 5),
        // Azure spells some models its own way and has fingerprints of its own.
        new Backend("gpt-4o-2024-08-06", "fp_b4d1a7e9c0", Kind.AZURE, 6),
        new Backend("gpt-35-turbo", null, Kind.AZURE, 3),
        // An open model: no list price, so its rows are unpriced, as a self-hosted model's are.
        new Backend("meta-llama/Llama-3.1-8B-Instruct", null, Kind.VLLM, 6),
    };
    private static final String[] WORDS = {
        "The", " answer", " is", " 42", ".", " Sure", ",", " here", " you", " go", " weather", " in",
        " Paris", " today", " looks", " sunny", "!", " Let", " me", " check",
    };
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper OBJECTS = new ObjectMapper();
    /** Azure sends every object's keys in alphabetical order. */
    private static final ObjectMapper AZURE = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    /** Azure's content filter results when nothing was filtered. */
    private static final Map<String, Object> NOTHING_FILTERED = Stream.of("hate", "self_harm", "sexual", "violence")
            .collect(Collectors.toMap(c -> c, c -> Map.of("filtered", false, "severity", "safe")));
    /**
     * The chunk Azure opens every stream with, byte for byte: the prompt filter's results and
     * nothing else (empty id and model, created 0), which the job skips.
     */
    private static final byte[] AZURE_PREAMBLE = bytes("{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\","
            + "\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":"
            + new String(azure(NOTHING_FILTERED), StandardCharsets.UTF_8) + "}]}");
    /** A WAV header without samples (24 kHz, 16 bit, mono): real answers' audio, unread by the job, is 100s of kB. */
    private static final String SILENCE = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQAAAAA=";
    private static final Writer NOTHING = g -> {};

    private final SplittableRandom random;
    /**
     * Who makes each request: a sequence of its own, so that the callers (and their number of
     * users) change nothing else about the traffic.
     */
    private final SplittableRandom callers;
    private int users = DEFAULT_USERS;
    /** Content chunks per choice of a stream: from {@link #contentChunks(int, int)}'s least to most. */
    private int leastContentChunks = 3;
    private int mostContentChunks = 12;
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
        this.callers = new SplittableRandom(~seed);
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

    /** Spreads the requests over users {@code user-1} to {@code user-<users>} from now on. */
    public TrafficGenerator users(int users) {
        if (users < 1) {
            throw new IllegalArgumentException("users must be positive, not " + users);
        }
        this.users = users;
        return this;
    }

    /**
     * Streams carry {@code least} to {@code most} content chunks per choice from now on (3 to 12
     * unless set): the API streams about a token per chunk, so a 400-token answer is about 400
     * chunks. Everything else, the share of streams among requests included, stays as it is.
     */
    public TrafficGenerator contentChunks(int least, int most) {
        if (least < 1 || most < least) {
            throw new IllegalArgumentException("content chunks must be 1 <= least <= most, not " + least + " to " + most);
        }
        this.leastContentChunks = least;
        this.mostContentChunks = most;
        return this;
    }

    /** A stream's content chunks per choice. */
    private int contentChunks() {
        return leastContentChunks + random.nextInt(mostContentChunks - leastContentChunks + 1);
    }

    /** The records of the next {@code requests} requests, in the order a gateway would log them. */
    public List<Record> next(int requests) {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long created = (startMillis + (long) (sequence * 1000 / requestsPerSecond)) / 1000;
            String id = "chatcmpl-" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
            byte[] key = bytes(id);
            sequence++;
            Caller caller = caller();
            Backend backend = backend();
            String tier = tier(backend);
            if (random.nextDouble() < malformedShare) {
                // Cut off halfway, before the gateway's envelope.
                byte[] whole = completion(id, backend, tier, created);
                Record malformed = new Record(key, Arrays.copyOf(whole, whole.length / 2), caller.headers());
                out.add(malformed);
                tally.records++;
                tally.malformed++;
                if (detail) {
                    tally.malformedRecords.add(malformed);
                }
                continue;
            }
            // Without the detail, counted into nothing.
            Requests r = detail ? minute(backend, tier, caller, created) : new Requests();
            List<byte[]> values = new ArrayList<>();
            if (streamed(backend)) {
                switch (backend.kind()) {
                    case AZURE -> azureStream(values, id, backend, created);
                    case VLLM -> cumulativeStream(values, id, backend, created);
                    default -> stream(values, id, backend, tier, created);
                }
                tally.streamedRequests++;
                r.streamedRequests++;
            } else {
                byte[] value = completion(id, backend, tier, created);
                values.add(value);
                if (random.nextDouble() < duplicateShare) {
                    values.add(value);
                    tally.duplicates++;
                    r.duplicates++;
                }
            }
            tally.requests++;
            r.requests++;
            for (byte[] value : values) {
                out.add(new Record(key, caller.logged(value), caller.headers()));
            }
            tally.records += values.size();
        }
        return out;
    }

    /** Everything generated so far (live: it keeps counting). */
    public Tally tally() {
        return tally;
    }

    private Requests minute(Backend backend, String tier, Caller caller, long created) {
        return tally.requestsByMinute.computeIfAbsent(new BackendMinute(created - Math.floorMod(created, 60),
                backend.model(), backend.fingerprint(), tier, caller.tenant(), caller.app()), k -> new Requests());
    }

    /** Moves event time to {@code epochSeconds} for the next request (a live clock, say). */
    public void restartAt(long epochSeconds) {
        startMillis = epochSeconds * 1000;
        sequence = 0;
    }

    private Backend backend() {
        return pick(random, BACKENDS, Backend::percent);
    }

    /** One of {@code options}, each as likely as its percent. */
    private static <T> T pick(SplittableRandom random, T[] options, ToIntFunction<T> percent) {
        int r = random.nextInt(100);
        for (T option : options) {
            r -= percent.applyAsInt(option);
            if (r < 0) {
                return option;
            }
        }
        throw new IllegalStateException("the percents add up to less than 100");
    }

    /**
     * Who made a request, as the gateway logs it with every record of the request: the tenant in a
     * header, app and user in the envelope it closes each logged object with.
     */
    private record Caller(String tenant, String app, Map<String, byte[]> headers, byte[] envelope) {
        /** {@code value}, an object, with the envelope as its last field. */
        byte[] logged(byte[] value) {
            byte[] out = Arrays.copyOf(value, value.length - 1 + envelope.length);
            System.arraycopy(envelope, 0, out, value.length - 1, envelope.length);
            return out;
        }
    }

    private Caller caller() {
        String tenant = pick(callers, TENANTS, Share::percent).name();
        String app = pick(callers, APPS, Share::percent).name();
        String user = "user-" + (1 + callers.nextInt(users));
        // The field names in alphabetical order, as Azure's objects have theirs.
        return new Caller(tenant, app, Map.of(TENANT_HEADER, bytes(tenant)),
                bytes(",\"" + ENVELOPE + "\":{\"app\":\"" + app + "\",\"user\":\"" + user + "\"}}"));
    }

    /** The {@code service_tier} a response states; {@code null} where the backend sends none. */
    private String tier(Backend b) {
        return switch (b.kind()) {
            case TIERED -> {
                int r = random.nextInt(20);
                yield r < 15 ? "default" : r < 18 ? "flex" : "priority";
            }
            case AZURE, VLLM -> null;
            default -> "default";
        };
    }

    private boolean streamed(Backend b) {
        return switch (b.kind()) {
            case AZURE, VLLM -> true;
            case AUDIO -> false;
            default -> random.nextBoolean();
        };
    }

    private byte[] completion(String id, Backend backend, String tier, long created) {
        boolean audio = backend.kind() == Kind.AUDIO;
        int n = audio ? 1 : 1 + (random.nextInt(10) == 0 ? random.nextInt(3) : 0);
        int spokenWords = audio ? 3 + random.nextInt(20) : 0;
        return json(g -> {
            head(g, id, "chat.completion", backend, created);
            g.writeArrayFieldStart("choices");
            for (int i = 0; i < n; i++) {
                boolean tool = !audio && random.nextInt(8) == 0;
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
                } else if (audio) {
                    // A spoken answer: no content, the audio and its transcript.
                    g.writeNullField("content");
                } else {
                    g.writeStringField("content", text(3 + random.nextInt(20)));
                }
                g.writeNullField("refusal");
                if (audio) {
                    g.writeObjectFieldStart("audio");
                    g.writeStringField("id", "audio_" + Long.toHexString(random.nextLong() & Long.MAX_VALUE));
                    g.writeStringField("data", SILENCE);
                    g.writeNumberField("expires_at", created + 3600);
                    g.writeStringField("transcript", text(spokenWords));
                    g.writeEndObject();
                }
                g.writeEndObject();
                g.writeNullField("logprobs");
                g.writeStringField("finish_reason", tool ? "tool_calls" : finishReason());
                g.writeEndObject();
            }
            g.writeEndArray();
            usage(g, audio ? spoken(backend, spokenWords)
                    : tokens(backend, 20 + random.nextInt(2000), 5 + random.nextInt(500)));
            backendFields(g, backend, tier);
        });
    }

    private void stream(List<byte[]> out, String id, Backend backend, String tier, long created) {
        int n = random.nextInt(8) == 0 ? 2 : 1;
        boolean withUsage = random.nextInt(10) < 7;
        boolean cutOff = random.nextInt(20) == 0;
        int deltas = contentChunks();
        // With stream_options.include_usage, every chunk but the last says "usage": null.
        Writer usageNull = withUsage ? g -> g.writeNullField("usage") : NOTHING;
        for (int i = 0; i < n; i++) {
            int choice = i;
            out.add(chunk(id, backend, tier, created, g -> delta(g, choice, "", null, true), usageNull));
        }
        for (int d = 0; d < deltas; d++) {
            for (int i = 0; i < n; i++) {
                int choice = i;
                String word = WORDS[random.nextInt(WORDS.length)];
                out.add(chunk(id, backend, tier, created, g -> delta(g, choice, word, null, false), usageNull));
            }
        }
        if (cutOff) {
            return;
        }
        for (int i = 0; i < n; i++) {
            int choice = i;
            String reason = finishReason();
            out.add(chunk(id, backend, tier, created, g -> delta(g, choice, null, reason, false), usageNull));
        }
        if (withUsage) {
            Tokens tokens = tokens(backend, 20 + random.nextInt(2000), deltas * n);
            out.add(chunk(id, backend, tier, created, NOTHING, g -> usage(g, tokens)));
        }
    }

    /**
     * A stream as Azure OpenAI sends it with include_usage: the preamble, then chunks whose choices
     * carry content filter results (empty on the first and the finishing chunk), then the usage
     * chunk, keys in alphabetical order. The preamble is logged under the stream's id like the
     * rest, though its own id is empty.
     */
    private void azureStream(List<byte[]> out, String id, Backend backend, long created) {
        out.add(AZURE_PREAMBLE);
        tally.skipped++;
        int deltas = contentChunks();
        out.add(azureChunk(id, backend, created, azureChoice(Map.of(),
                fields("content", "", "refusal", null, "role", "assistant"), null), null));
        for (int d = 0; d < deltas; d++) {
            String word = WORDS[random.nextInt(WORDS.length)];
            out.add(azureChunk(id, backend, created, azureChoice(NOTHING_FILTERED, Map.of("content", word), null),
                    null));
        }
        out.add(azureChunk(id, backend, created, azureChoice(Map.of(), Map.of(), finishReason()), null));
        out.add(azureChunk(id, backend, created, null, tokens(backend, 20 + random.nextInt(2000), deltas)));
    }

    /** Choice 0 of an Azure chunk. */
    private static Map<String, Object> azureChoice(Map<String, Object> filtered, Map<String, Object> delta,
            String finishReason) {
        return fields("content_filter_results", filtered, "delta", delta, "finish_reason", finishReason,
                "index", 0, "logprobs", null);
    }

    /** An Azure chunk with {@code choice}, or with none and {@code usage}. */
    private static byte[] azureChunk(String id, Backend backend, long created, Map<String, Object> choice,
            Tokens usage) {
        Map<String, Object> chunk = fields("choices", choice == null ? List.of() : List.of(choice),
                "created", created, "id", id, "model", backend.model(), "object", "chat.completion.chunk",
                "system_fingerprint", backend.fingerprint());
        if (usage != null) {
            chunk.put("usage", usage.usage());
        }
        return azure(chunk);
    }

    /**
     * A stream from vLLM with continuous_usage_stats: every chunk carries the usage so far (a
     * token per delta here), the usage chunk at the end the whole; no fingerprint, no tier. Cut
     * off now and then like the others, when the last usage that arrived is all there is.
     */
    private void cumulativeStream(List<byte[]> out, String id, Backend backend, long created) {
        int prompt = 20 + random.nextInt(2000);
        int deltas = contentChunks();
        boolean cutOff = random.nextInt(20) == 0;
        out.add(chunk(id, backend, null, created, g -> delta(g, 0, "", null, true),
                usageSoFar(prompt, 0)));
        for (int d = 1; d <= deltas; d++) {
            String word = WORDS[random.nextInt(WORDS.length)];
            out.add(chunk(id, backend, null, created, g -> delta(g, 0, word, null, false),
                    usageSoFar(prompt, d)));
        }
        if (cutOff) {
            return;
        }
        String reason = finishReason();
        out.add(chunk(id, backend, null, created, g -> delta(g, 0, null, reason, false),
                usageSoFar(prompt, deltas)));
        out.add(chunk(id, backend, null, created, NOTHING, usageSoFar(prompt, deltas)));
    }

    /** vLLM's usage, fields in its order. */
    private static Writer usageSoFar(int prompt, int completion) {
        return g -> {
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", prompt);
            g.writeNumberField("total_tokens", prompt + completion);
            g.writeNumberField("completion_tokens", completion);
            g.writeEndObject();
        };
    }

    /** A chunk in OpenAI's field order: what {@code choices} writes in its choices, then {@code usage}. */
    private static byte[] chunk(String id, Backend backend, String tier, long created, Writer choices, Writer usage) {
        return json(g -> {
            head(g, id, "chat.completion.chunk", backend, created);
            backendFields(g, backend, tier);
            g.writeArrayFieldStart("choices");
            choices.write(g);
            g.writeEndArray();
            usage.write(g);
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

    private static void head(JsonGenerator g, String id, String object, Backend backend, long created)
            throws IOException {
        g.writeStringField("id", id);
        g.writeStringField("object", object);
        g.writeNumberField("created", created);
        g.writeStringField("model", backend.model());
    }

    /** The tier and fingerprint, where sent: before the choices of a chunk, after the usage of a completion. */
    private static void backendFields(JsonGenerator g, Backend backend, String tier) throws IOException {
        if (tier != null) {
            g.writeStringField("service_tier", tier);
        }
        if (backend.fingerprint() != null) {
            g.writeStringField("system_fingerprint", backend.fingerprint());
        }
    }

    /**
     * A response's tokens: a quarter of the prompts half cached, a quarter of the answers a third
     * reasoning (spoken answers none), and a sixth of a predicting model's answers partly predicted.
     */
    private Tokens tokens(Backend backend, int prompt, int completion) {
        Tokens t = new Tokens(prompt, completion);
        t.cached = random.nextInt(4) == 0 ? prompt / 2 : 0;
        t.reasoning = backend.kind() != Kind.AUDIO && random.nextInt(4) == 0 ? completion / 3 : 0;
        if (backend.kind() == Kind.PREDICTS && random.nextInt(6) == 0) {
            int rest = completion - t.reasoning;
            t.acceptedPrediction = random.nextInt(rest + 1);
            t.rejectedPrediction = random.nextInt(rest - t.acceptedPrediction + 1);
        }
        return t;
    }

    /**
     * A spoken exchange: the text of a typed or transcribed question, now and then cached, and of
     * an answer's transcript ({@code words} tokens), and the audio beside it: mostly a spoken
     * question, and 5 to 10 audio tokens per word of the answer.
     */
    private Tokens spoken(Backend backend, int words) {
        Tokens t = tokens(backend, 20 + random.nextInt(500), words);
        t.audioPrompt = random.nextInt(4) == 0 ? 0 : 50 + random.nextInt(1500);
        t.audioCompletion = words * (5 + random.nextInt(6));
        t.prompt += t.audioPrompt;
        t.completion += t.audioCompletion;
        return t;
    }

    private static void usage(JsonGenerator g, Tokens tokens) throws IOException {
        g.writeFieldName("usage");
        OBJECTS.writeValue(g, tokens.usage());
    }

    /** A response's token counts; every detail is a part of prompt or of completion tokens. */
    private static final class Tokens {
        int prompt;
        int completion;
        int cached;
        int audioPrompt;
        int reasoning;
        int audioCompletion;
        int acceptedPrediction;
        int rejectedPrediction;

        Tokens(int prompt, int completion) {
            this.prompt = prompt;
            this.completion = completion;
        }

        /** The usage object, fields in OpenAI's order. */
        Map<String, Object> usage() {
            return fields("prompt_tokens", prompt, "completion_tokens", completion,
                    "total_tokens", prompt + completion,
                    "prompt_tokens_details", fields("cached_tokens", cached, "audio_tokens", audioPrompt),
                    "completion_tokens_details", fields("reasoning_tokens", reasoning, "audio_tokens", audioCompletion,
                            "accepted_prediction_tokens", acceptedPrediction,
                            "rejected_prediction_tokens", rejectedPrediction));
        }
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

    /** An object's fields in the given order, values possibly null: names and values alternating. */
    private static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    /** {@code value} as Azure writes it, every object's keys sorted. */
    private static byte[] azure(Object value) {
        try {
            return AZURE.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
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
