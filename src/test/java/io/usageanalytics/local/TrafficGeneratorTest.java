package io.usageanalytics.local;

import io.usageanalytics.parsing.Dimensions;
import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;
import io.usageanalytics.parsing.Usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The generator's output is fixed by its seed (the benchmark and the fault tests depend on it), it
 * holds every shape of response it is meant to, and its tally's detail, the expectations of the
 * fault tests, adds up to what it generated.
 */
class TrafficGeneratorTest {

    private static final long T0 = 1_767_225_600L;
    /** Azure's prompt-filter preamble as Azure sends it, which the job skips. */
    private static final String PREAMBLE = "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
            + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{"
            + "\"hate\":{\"filtered\":false,\"severity\":\"safe\"},"
            + "\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},"
            + "\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},"
            + "\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}}]}";
    /** The gateway's envelope, the last field of every object it logs. */
    private static final Pattern ENVELOPE =
            Pattern.compile(",\"x_gateway\":\\{\"app\":\"([a-z]+)\",\"user\":\"(user-\\d+)\"}}$");

    @Test
    void outputIsTheSameWithAndWithoutTheDetailAndAsBefore() throws Exception {
        List<TrafficGenerator.Record> plain = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).next(700);
        List<TrafficGenerator.Record> detailed =
                new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).recordingDetail().next(700);
        // SHA-256 of the records since tenants (header), apps and users (envelope) came in.
        assertThat(digest(plain)).isEqualTo("08b9324c52404b9b08f2e8a409d211e282d1390da7b5d8ce4dc923049d6d8ce7");
        assertThat(digest(detailed)).isEqualTo(digest(plain));
    }

    /**
     * Counted from the records themselves, through the parser: requests per service tier, with
     * audio, with a predicted output, Azure's streams and vLLM's, and the records of each shape.
     */
    @Test
    void theSampleHoldsEveryShapeInExactNumbers() throws Exception {
        TrafficGenerator generator = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03);
        List<TrafficGenerator.Record> records = generator.next(700);
        LoggedObjectParser parser = new LoggedObjectParser(Dimensions.NONE, () -> T0 + 86_400);
        ObjectMapper json = new ObjectMapper();
        Map<String, List<LoggedObject>> requests = new LinkedHashMap<>();
        Map<String, Long> shapes = new TreeMap<>();
        for (TrafficGenerator.Record r : records) {
            String value = withoutEnvelope(new String(r.value(), StandardCharsets.UTF_8));
            ParsedRecord parsed = parser.parse(LoggedRecord.of(r.value()));
            if (parsed.skipped != null) {
                assertThat(value).isEqualTo(PREAMBLE);
                assertThat(parsed.skipped).isEqualTo(ParsedRecord.PROMPT_FILTER_PREAMBLE);
                shapes.merge("azure preamble", 1L, Long::sum);
            } else if (parsed.object != null) {
                requests.computeIfAbsent(parsed.object.id, id -> new ArrayList<>()).add(parsed.object);
                if (value.startsWith("{\"choices\":[{\"content_filter_results\":")) {
                    shapes.merge("azure chunk with choices", 1L, Long::sum);
                }
                if (value.startsWith("{\"choices\":")) {
                    // The envelope's keys too.
                    assertThat(keysSorted(json.readTree(r.value()))).as(value).isTrue();
                }
            }
        }
        for (List<LoggedObject> request : requests.values()) {
            LoggedObject first = request.get(0);
            assertThat(request).as("the tier is on every chunk").allMatch(o -> o.serviceTier.equals(first.serviceTier));
            shapes.merge("tier '" + first.serviceTier + "'", 1L, Long::sum);
            if (first.serviceTier.equals("flex") || first.serviceTier.equals("priority")) {
                assertThat(first.model).matches("gpt-5-mini|o4-mini-2025-04-16");
            }
            List<Usage> usages = request.stream().filter(o -> o.usage != null).map(o -> o.usage)
                    .collect(Collectors.toList());
            usages.forEach(u -> {
                assertThat(u.totalTokens).isEqualTo(u.promptTokens + u.completionTokens);
                assertThat(u.cachedTokens + u.audioPromptTokens).isLessThanOrEqualTo(u.promptTokens);
                assertThat(u.reasoningTokens + u.audioCompletionTokens + u.acceptedPredictionTokens
                        + u.rejectedPredictionTokens).isLessThanOrEqualTo(u.completionTokens);
            });
            if (usages.stream().anyMatch(u -> u.audioPromptTokens > 0 || u.audioCompletionTokens > 0)) {
                assertThat(first.model).isEqualTo("gpt-4o-audio-preview-2024-12-17");
                shapes.merge("audio", 1L, Long::sum);
            }
            if (usages.stream().anyMatch(u -> u.acceptedPredictionTokens > 0 || u.rejectedPredictionTokens > 0)) {
                shapes.merge("predicted output", 1L, Long::sum);
            }
            if (first.chunk && request.stream().allMatch(o -> o.usage != null)) {
                // Cumulative usage: it only grows, and the last chunk's is the stream's.
                for (int i = 1; i < usages.size(); i++) {
                    assertThat(usages.get(i).totalTokens).isGreaterThanOrEqualTo(usages.get(i - 1).totalTokens);
                }
                assertThat(first.model).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
                shapes.merge("cumulative usage stream", 1L, Long::sum);
            }
        }
        assertThat(shapes).isEqualTo(Map.of("tier 'default'", 553L, "tier 'flex'", 25L, "tier 'priority'", 14L,
                "tier ''", 101L, "audio", 39L, "predicted output", 34L, "cumulative usage stream", 36L,
                "azure preamble", 65L, "azure chunk with choices", 576L));
        assertThat(requests).hasSize((int) generator.tally().requests);
        assertThat(generator.tally().skipped).isEqualTo(65);
    }

    /**
     * Each request's tenant is in a header and its app and user in the envelope, the same on every
     * record of it, and the dimensions the local runner reads by default find them; acme makes most
     * of the requests.
     */
    @Test
    void everyRecordNamesItsCallerTheSameWayForTheWholeRequest() {
        TrafficGenerator generator = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03);
        List<TrafficGenerator.Record> records = generator.next(700);
        LoggedObjectParser parser = new LoggedObjectParser(Dimensions.parse(TrafficGenerator.DIMENSIONS), () -> T0);
        Map<String, List<String>> callers = new LinkedHashMap<>();
        for (TrafficGenerator.Record r : records) {
            assertThat(r.headers().keySet()).containsExactly("x-tenant");
            LoggedRecord logged = LoggedRecord.of(r.value());
            logged.headers = r.headers();
            ParsedRecord parsed = parser.parse(logged);
            if (parsed.reject != null) {
                continue; // malformed: the first half of a logged completion, without the envelope
            }
            String value = new String(r.value(), StandardCharsets.UTF_8);
            Matcher envelope = ENVELOPE.matcher(value);
            assertThat(envelope.find()).as(value).isTrue();
            List<String> caller = List.of(new String(r.headers().get("x-tenant"), StandardCharsets.UTF_8),
                    envelope.group(1), envelope.group(2));
            assertThat(callers.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), id -> caller))
                    .isEqualTo(caller);
            if (parsed.object != null) {
                assertThat(parsed.object.dimensions).containsExactly(caller.get(0), caller.get(1));
            }
        }
        assertThat(callers).hasSize((int) generator.tally().requests);
        assertThat(count(callers, 0)).isEqualTo(Map.of("acme", 411L, "globex", 82L, "hooli", 66L, "initech", 58L,
                "umbrella", 76L));
        assertThat(count(callers, 1)).isEqualTo(Map.of("chat", 279L, "search", 213L, "batch", 137L, "support", 64L));
        assertThat(count(callers, 2)).hasSize(191).allSatisfy((user, requests) -> assertThat(user)
                .matches("user-([1-9]|[1-9][0-9]|1[0-9][0-9]|200)"));
    }

    /** Requests per value of the callers' {@code part} (0 tenant, 1 app, 2 user). */
    private static Map<String, Long> count(Map<String, List<String>> callers, int part) {
        return callers.values().stream().collect(Collectors.groupingBy(c -> c.get(part), TreeMap::new,
                Collectors.counting()));
    }

    /**
     * Long streams: every choice of every stream (cut off or not) has 100 to 600 content chunks,
     * spread over that range; the share of streams and retries is what the default mix has.
     */
    @Test
    void longStreamsHaveAHundredToSixHundredContentChunksPerChoice() {
        TrafficGenerator generator = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).contentChunks(100, 600);
        List<TrafficGenerator.Record> records = generator.next(600);
        // Per stream and choice index, its chunks with content (the first says "" and the last none).
        Pattern content = Pattern.compile("\\{\"index\":(\\d)[^{]*\"delta\":\\{[^}]*\"content\":\"[^\"]+\"");
        Pattern azureContent = Pattern.compile("\"delta\":\\{\"content\":\"[^\"]+\"}");
        Map<String, Long> perChoice = new TreeMap<>();
        for (TrafficGenerator.Record r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            Matcher m = content.matcher(value);
            String id = new String(r.key(), StandardCharsets.UTF_8);
            if (m.find()) {
                perChoice.merge(id + "/" + m.group(1), 1L, Long::sum);
            } else if (azureContent.matcher(value).find()) {
                perChoice.merge(id + "/0", 1L, Long::sum);
            }
        }
        TrafficGenerator.Tally tally = generator.tally();
        assertThat(perChoice.keySet().stream().map(k -> k.substring(0, k.indexOf('/'))).distinct())
                .hasSize((int) tally.streamedRequests);
        assertThat(perChoice.values()).allSatisfy(n -> assertThat(n).isBetween(100L, 600L));
        assertThat(perChoice.values().stream().mapToLong(n -> n).min().getAsLong()).isLessThan(150);
        assertThat(perChoice.values().stream().mapToLong(n -> n).max().getAsLong()).isGreaterThan(550);
        TrafficGenerator usual = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03);
        usual.next(600);
        assertThat((double) tally.streamedRequests / tally.requests)
                .isCloseTo((double) usual.tally().streamedRequests / usual.tally().requests, within(0.05));
        assertThat((double) tally.duplicates / tally.requests)
                .isCloseTo((double) usual.tally().duplicates / usual.tally().requests, within(0.02));
    }

    /** The number of users changes who the users are, and nothing else about the traffic. */
    @Test
    void fewerUsersChangeOnlyTheUsers() {
        List<String> many = withoutUsers(new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).next(300));
        List<TrafficGenerator.Record> three = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).users(3).next(300);
        assertThat(withoutUsers(three)).isEqualTo(many);
        assertThat(three).allSatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8))
                .doesNotContainPattern("\"user\":\"user-([04-9]|\\d\\d)"));
    }

    private static List<String> withoutUsers(List<TrafficGenerator.Record> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)
                .replaceAll("\"user\":\"user-\\d+\"", "\"user\":\"?\"")).collect(Collectors.toList());
    }

    /** A logged object without the gateway's envelope, as the backend sent it. */
    private static String withoutEnvelope(String value) {
        return ENVELOPE.matcher(value).replaceFirst("}");
    }

    @Test
    void detailAddsUpToTheCounts() {
        TrafficGenerator generator = new TrafficGenerator(7, T0, 3.0, 0.05, 0.05).recordingDetail();
        List<TrafficGenerator.Record> records = generator.next(2000);
        TrafficGenerator.Tally tally = generator.tally();
        assertThat(tally.records).isEqualTo(records.size());
        assertThat(tally.malformedRecords).hasSize((int) tally.malformed).isNotEmpty();
        // The very records emitted, not copies with the same bytes.
        assertThat(tally.malformedRecords).allSatisfy(m -> assertThat(records).anyMatch(r -> r == m));
        assertThat(records.stream().filter(r -> withoutEnvelope(new String(r.value(), StandardCharsets.UTF_8))
                .equals(PREAMBLE))).hasSize((int) tally.skipped);
        long requests = 0;
        long streamed = 0;
        long duplicates = 0;
        for (var e : tally.requestsByMinute.entrySet()) {
            assertThat(e.getKey().minute() % 60).isZero();
            requests += e.getValue().requests;
            streamed += e.getValue().streamedRequests;
            duplicates += e.getValue().duplicates;
        }
        assertThat(List.of(requests, streamed, duplicates))
                .containsExactly(tally.requests, tally.streamedRequests, tally.duplicates);
        assertThat(tally.duplicates).isPositive();
        assertThat(tally.skipped).isPositive();
    }

    @Test
    void withoutDetailTheTallyKeepsOnlyCounts() {
        TrafficGenerator generator = new TrafficGenerator(7, T0, 3.0, 0.05, 0.05);
        generator.next(500);
        assertThat(generator.tally().malformed).isPositive();
        assertThat(generator.tally().malformedRecords).isEmpty();
        assertThat(generator.tally().requestsByMinute).isEmpty();
    }

    /** Whether every object's keys are in alphabetical order, as Azure sends them. */
    private static boolean keysSorted(JsonNode node) {
        String previous = "";
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().compareTo(previous) < 0 || !keysSorted(field.getValue())) {
                return false;
            }
            previous = field.getKey();
        }
        for (JsonNode element : node.isArray() ? node : List.<JsonNode>of()) {
            if (!keysSorted(element)) {
                return false;
            }
        }
        return true;
    }

    private static String digest(List<TrafficGenerator.Record> records) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (TrafficGenerator.Record r : records) {
            d.update(r.key());
            d.update((byte) 0);
            d.update(r.value());
            r.headers().forEach((name, value) -> {
                d.update((byte) 0);
                d.update(name.getBytes(StandardCharsets.UTF_8));
                d.update((byte) '=');
                d.update(value);
            });
            d.update((byte) '\n');
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
