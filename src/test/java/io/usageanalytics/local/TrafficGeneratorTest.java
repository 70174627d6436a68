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
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void outputIsTheSameWithAndWithoutTheDetailAndAsBefore() throws Exception {
        List<TrafficGenerator.Record> plain = new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).next(700);
        List<TrafficGenerator.Record> detailed =
                new TrafficGenerator(42, T0, 3.0, 0.01, 0.03).recordingDetail().next(700);
        // SHA-256 of the records since tiers, audio, predictions, Azure's and vLLM's streams came in.
        assertThat(digest(plain)).isEqualTo("5a8e1216cbb9fb3185342abeda51aac6053d62206792852ee0a2d4c021c9e521");
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
            String value = new String(r.value(), StandardCharsets.UTF_8);
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
                    assertThat(keysSorted(json.readTree(value))).as(value).isTrue();
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

    @Test
    void detailAddsUpToTheCounts() {
        TrafficGenerator generator = new TrafficGenerator(7, T0, 3.0, 0.05, 0.05).recordingDetail();
        List<TrafficGenerator.Record> records = generator.next(2000);
        TrafficGenerator.Tally tally = generator.tally();
        assertThat(tally.records).isEqualTo(records.size());
        assertThat(tally.malformedRecords).hasSize((int) tally.malformed).isNotEmpty();
        // The very records emitted, not copies with the same bytes.
        assertThat(tally.malformedRecords).allSatisfy(m -> assertThat(records).anyMatch(r -> r == m));
        assertThat(records.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).equals(PREAMBLE)))
                .hasSize((int) tally.skipped);
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
            d.update((byte) '\n');
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
