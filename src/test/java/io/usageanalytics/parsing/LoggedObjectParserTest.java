package io.usageanalytics.parsing;

import io.usageanalytics.testing.Logged;
import io.usageanalytics.testing.Resources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LoggedObjectParserTest {

    private final LoggedObjectParser parser = new LoggedObjectParser();

    private ParsedRecord parse(String json) {
        return parser.parse(LoggedRecord.of(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static final String VALID_HEAD =
            "\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
                    + "\"model\":\"gpt-4o\"";

    @Test
    void parsesCompletionWithDetailsAndIgnoresUnknownFields() {
        ParsedRecord r = parse("{" + VALID_HEAD + ",\"service_tier\":\"default\","
                + "\"x_gateway\":{\"nested\":[1,{\"a\":null}]},\"system_fingerprint\":\"fp_1\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\","
                + "\"refusal\":null,\"audio\":{\"id\":\"a\"},\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"logprobs\":{\"content\":[]},"
                + "\"finish_reason\":\"tool_calls\"},{\"index\":1,\"message\":{\"content\":null},"
                + "\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":4,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":7,\"accepted_prediction_tokens\":0}}}");

        assertThat(r.reject).isNull();
        LoggedObject o = r.object;
        assertThat(o.chunk).isFalse();
        assertThat(o.id).isEqualTo("chatcmpl-1");
        assertThat(o.model).isEqualTo("gpt-4o");
        assertThat(o.systemFingerprint).isEqualTo("fp_1");
        assertThat(o.created).isEqualTo(1700000000L);
        ChoicePart first = new ChoicePart(0, "tool_calls", "hi");
        first.toolArguments.put(0, "{}");
        assertThat(o.choices).containsExactly(first, new ChoicePart(1, "stop", null));
        assertThat(o.usage).isEqualTo(new Usage(10, 20, 30, 4, 7));
    }

    @Test
    void fingerprintAbsentAndNullBothBecomeEmpty() {
        String absent = "{" + VALID_HEAD + ",\"choices\":[]}";
        String explicitNull = "{" + VALID_HEAD + ",\"system_fingerprint\":null,\"choices\":[]}";
        assertThat(parse(absent).object.systemFingerprint).isEmpty();
        assertThat(parse(explicitNull).object.systemFingerprint).isEmpty();
    }

    @Test
    void usageNullOrAbsentMeansNoUsage() {
        assertThat(parse("{" + VALID_HEAD + ",\"choices\":[],\"usage\":null}").object.usage).isNull();
        assertThat(parse("{" + VALID_HEAD + ",\"choices\":[]}").object.usage).isNull();
    }

    @Test
    void parsesChunkDeltasWithInterleavedToolCallsAndLegacyFunctionCall() {
        ParsedRecord r = parse("{\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
                + "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":2,\"delta\":{\"tool_calls\":["
                + "{\"index\":1,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]},\"finish_reason\":null},"
                + "{\"index\":0,\"delta\":{\"function_call\":{\"arguments\":\"x\"}},\"finish_reason\":null}],"
                + "\"usage\":null}");
        LoggedObject o = r.object;
        assertThat(o.chunk).isTrue();
        ChoicePart tool = new ChoicePart(2, null, null);
        tool.toolArguments.put(1, "{\"a\"");
        ChoicePart legacy = new ChoicePart(0, null, null);
        legacy.toolArguments.put(-1, "x");
        assertThat(o.choices).containsExactly(tool, legacy);
        assertThat(o.usage).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "truncated            | {\"id\":\"a\",                                                   | malformed_json     | Unexpected end-of-input",
        "empty                | ``                                                               | malformed_json     | empty record value",
        "whitespace only      | `   `                                                            | malformed_json     | no JSON value in record",
        "trailing garbage     | {\"id\":\"a\"} x                                                 | malformed_json     | ",
        "two objects          | {}{}                                                             | malformed_json     | trailing content after the JSON value",
        "duplicate key        | {\"id\":\"a\",\"id\":\"b\"}                                      | malformed_json     | Duplicate field 'id'",
        "duplicate finish     | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"finish_reason\":\"length\"}]} | malformed_json | Duplicate field 'finish_reason'",
        "duplicate content    | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"content\":\"a\",\"content\":\"b\"}}]} | malformed_json | Duplicate field 'content'",
        "duplicate arguments  | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"function_call\":{\"arguments\":\"{}\",\"arguments\":\"{}\"}}}]} | malformed_json | Duplicate field 'arguments'",
        "duplicate prompt     | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":2,\"completion_tokens\":2,\"total_tokens\":3}} | malformed_json | Duplicate field 'prompt_tokens'",
        "duplicate cached     | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":1,\"cached_tokens\":0}}} | malformed_json | Duplicate field 'cached_tokens'",
        "array                | [1,2]                                                            | not_an_object      | top-level JSON value is an array, not an object",
        "string               | \"chat.completion\"                                              | not_an_object      | top-level JSON value is a string, not an object",
        "number               | 42                                                               | not_an_object      | top-level JSON value is a number, not an object",
        "null                 | null                                                             | not_an_object      | top-level JSON value is null, not an object",
        "object missing       | {\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[]}      | missing_field      | object is missing",
        "object embedding     | {\"object\":\"embedding\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[]} | unsupported_object | object is \"embedding\", expected chat.completion or chat.completion.chunk",
        "object number        | {\"object\":7,\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[]} | unsupported_object | object is a number, expected chat.completion or chat.completion.chunk",
        "id missing           | {\"object\":\"chat.completion\",\"created\":1767225600,\"model\":\"m\",\"choices\":[]} | missing_field | id is missing",
        "id null              | {\"object\":\"chat.completion\",\"id\":null,\"created\":1767225600,\"model\":\"m\",\"choices\":[]} | missing_field | id is missing",
        "id empty             | {\"object\":\"chat.completion\",\"id\":\"\",\"created\":1767225600,\"model\":\"m\",\"choices\":[]} | invalid_field | id is empty",
        "id number            | {\"object\":\"chat.completion\",\"id\":12,\"created\":1767225600,\"model\":\"m\",\"choices\":[]} | invalid_field | id is a number, not a string",
        "model missing        | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"choices\":[]} | missing_field | model is missing",
        "model empty          | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"\",\"choices\":[]} | invalid_field | model is empty",
        "model object         | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":{},\"choices\":[]} | invalid_field | model is an object, not a string",
        "fingerprint number   | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"system_fingerprint\":3,\"choices\":[]} | invalid_field | system_fingerprint is a number, not a string",
        "created missing      | {\"object\":\"chat.completion\",\"id\":\"a\",\"model\":\"m\",\"choices\":[]} | missing_field | created is missing",
        "created negative     | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":-1,\"model\":\"m\",\"choices\":[]} | invalid_field | created is not a non-negative integer",
        "created fraction     | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1.5,\"model\":\"m\",\"choices\":[]} | invalid_field | created is not a non-negative integer",
        "created string       | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":\"1\",\"model\":\"m\",\"choices\":[]} | invalid_field | created is not a non-negative integer",
        "created huge         | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":99999999999999999999,\"model\":\"m\",\"choices\":[]} | invalid_field | created is not a non-negative integer",
        "created in 1970      | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":0,\"model\":\"m\",\"choices\":[]} | invalid_field | created is 0, before 2022-01-01",
        "created in year 9999 | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":253402300799,\"model\":\"m\",\"choices\":[]} | invalid_field | created is 253402300799, more than a day ahead of the clock",
        "choices missing      | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\"} | missing_field | choices is missing",
        "choices object       | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":{}} | invalid_field | choices is an object, not an array",
        "choices null         | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":null} | invalid_field | choices is null, not an array",
        "choice not object    | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[1]} | invalid_field | choices[0] is a number, not an object",
        "choice index string  | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[{\"index\":\"0\"}]} | invalid_field | choices[0].index is not a non-negative integer",
        "choice index 128     | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[{\"index\":128}]} | limit_exceeded | choices[0].index is 128, limit is 127",
        "finish reason number | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[{\"index\":0,\"finish_reason\":1}]} | invalid_field | choices[0].finish_reason is a number, not a string",
        "usage string         | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":\"x\"} | invalid_field | usage is a string, not an object",
        "prompt missing       | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"completion_tokens\":1,\"total_tokens\":1}} | missing_field | usage.prompt_tokens is missing",
        "completion negative  | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":-2,\"total_tokens\":1}} | invalid_field | usage.completion_tokens is not a non-negative integer",
        "total fraction       | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3.0}} | invalid_field | usage.total_tokens is not a non-negative integer",
        "total null           | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":null}} | missing_field | usage.total_tokens is missing",
        "tier number          | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"service_tier\":1} | invalid_field | service_tier is a number, not a string",
        "tier repeated        | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"service_tier\":\"flex\",\"service_tier\":\"default\"} | malformed_json | Duplicate field 'service_tier'",
        "tier with NUL        | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"service_tier\":\"fl\\u0000ex\"} | invalid_field | service_tier contains U+0000, which the warehouse cannot store",
        "model with NUL       | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\\u0000\",\"choices\":[]} | invalid_field | model contains U+0000, which the warehouse cannot store",
        "fingerprint with NUL | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"system_fingerprint\":\"\\u0000\",\"choices\":[]} | invalid_field | system_fingerprint contains U+0000, which the warehouse cannot store",
        "audio negative       | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"completion_tokens_details\":{\"audio_tokens\":-1}}} | invalid_field | usage.completion_tokens_details.audio_tokens is not a non-negative integer",
        "cache write string   | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"prompt_tokens_details\":{\"cache_write_tokens\":\"1\"}}} | invalid_field | usage.prompt_tokens_details.cache_write_tokens is not a non-negative integer",
        "cache hit fraction   | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"prompt_cache_hit_tokens\":0.5}} | invalid_field | usage.prompt_cache_hit_tokens is not a non-negative integer",
        "groq usage partial   | {\"object\":\"chat.completion.chunk\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}} | missing_field | x_groq.usage.completion_tokens is missing",
        "groq usage string    | {\"object\":\"chat.completion.chunk\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"x_groq\":{\"usage\":\"x\"}} | invalid_field | x_groq.usage is a string, not an object",
        "preamble with id     | {\"choices\":[],\"created\":0,\"id\":\"x\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[]} | unsupported_object | object is \"\", expected chat.completion or chat.completion.chunk",
        "preamble w/o filter  | {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\"} | unsupported_object | object is \"\", expected chat.completion or chat.completion.chunk",
        "preamble w/ choices  | {\"choices\":[{\"index\":0}],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[]} | unsupported_object | object is \"\", expected chat.completion or chat.completion.chunk",
        "preamble created 1   | {\"choices\":[],\"created\":1,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[]} | unsupported_object | object is \"\", expected chat.completion or chat.completion.chunk",
        "preamble with usage  | {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}} | unsupported_object | object is \"\", expected chat.completion or chat.completion.chunk",
        "no object w/ filter  | {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"prompt_filter_results\":[]} | missing_field | object is missing",
        "cached negative      | {\"object\":\"chat.completion\",\"id\":\"a\",\"created\":1767225600,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":-1}}} | invalid_field | usage.prompt_tokens_details.cached_tokens is not a non-negative integer",
    })
    void rejects(String name, String json, String reason, String detail) {
        ParsedRecord r = parse(json == null ? "" : json);
        assertThat(r.object).as(name).isNull();
        assertThat(r.reject.reason).as(name).isEqualTo(reason);
        if (detail != null) {
            assertThat(r.reject.detail).as(name).contains(detail);
        }
        assertThat(r.reject.source.value).isEqualTo((json == null ? "" : json).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void azurePromptFilterPreambleIsSkippedNotRejected() {
        ParsedRecord r = parse(Logged.AZURE_PREAMBLE);
        assertThat(r.reject).isNull();
        assertThat(r.object).isNull();
        assertThat(r.skipped).isEqualTo(ParsedRecord.PROMPT_FILTER_PREAMBLE);
        assertThat(r.eventTimeMillis()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void azureChunkWithFilterResultsParses() {
        ParsedRecord r = parse("{\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":"
                + "\"safe\"}},\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],"
                + "\"created\":1748977994,\"id\":\"chatcmpl-BeRMQ69PcNQmy9a0f0C0VlLsdOy9H\",\"model\":\"gpt-4o-2024-05-13\","
                + "\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_ee1d74bde0\"}");
        assertThat(r.object.choices).containsExactly(new ChoicePart(0, null, "Hello"));
        assertThat(r.object.model).isEqualTo("gpt-4o-2024-05-13");
    }

    @Test
    void serviceTierIsReadAndEmptyWhenAbsentOrNull() {
        assertThat(parse("{" + VALID_HEAD + ",\"service_tier\":\"flex\",\"choices\":[]}").object.serviceTier)
                .isEqualTo("flex");
        assertThat(parse("{" + VALID_HEAD + ",\"service_tier\":null,\"choices\":[]}").object.serviceTier).isEmpty();
        assertThat(parse("{" + VALID_HEAD + ",\"choices\":[]}").object.serviceTier).isEmpty();
    }

    @Test
    void everyUsageDetailIsRead() {
        // A 2026 gpt-4o-audio response with a predicted output, and a cache write.
        Usage u = parse("{" + VALID_HEAD + ",\"choices\":[],\"usage\":{\"prompt_tokens\":500,"
                + "\"completion_tokens\":300,\"total_tokens\":800,\"prompt_tokens_details\":{\"cached_tokens\":128,"
                + "\"audio_tokens\":40,\"cache_write_tokens\":64,\"text_tokens\":332},\"completion_tokens_details\":"
                + "{\"reasoning_tokens\":10,\"audio_tokens\":90,\"accepted_prediction_tokens\":20,"
                + "\"rejected_prediction_tokens\":30,\"text_tokens\":210}}}").object.usage;
        Usage expected = new Usage(500, 300, 800, 128, 10);
        expected.audioPromptTokens = 40;
        expected.cacheWriteTokens = 64;
        expected.audioCompletionTokens = 90;
        expected.acceptedPredictionTokens = 20;
        expected.rejectedPredictionTokens = 30;
        assertThat(u).isEqualTo(expected);
    }

    @Test
    void groqUsageStandsForAnAbsentUsage() {
        String groq = "\"x_groq\":{\"id\":\"req_01jbd6g2qdfw2adyrt2az8hz4w\",\"usage\":{\"queue_time\":0.017,"
                + "\"prompt_tokens\":40,\"prompt_time\":0.002,\"completion_tokens\":10,\"completion_time\":0.008,"
                + "\"total_tokens\":50,\"total_time\":0.01}}";
        String head = "{\"id\":\"chatcmpl-g\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,"
                + "\"model\":\"llama-3.1-8b-instant\",\"system_fingerprint\":\"fp_9cb648b966\",\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],";
        assertThat(parse(head + groq + "}").object.usage).isEqualTo(new Usage(40, 10, 50, 0, 0));
        assertThat(parse(head + "\"usage\":null," + groq + "}").object.usage).isEqualTo(new Usage(40, 10, 50, 0, 0));
        // usage, when present, wins (and a broken x_groq.usage is then not looked at)
        assertThat(parse(head + groq + ",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}")
                .object.usage).isEqualTo(new Usage(1, 2, 3, 0, 0));
        assertThat(parse(head + "\"x_groq\":{\"usage\":\"x\"},\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,"
                + "\"total_tokens\":3}}").object.usage).isEqualTo(new Usage(1, 2, 3, 0, 0));
        // an x_groq without usage, or not an object, is nobody's usage
        assertThat(parse(head + "\"x_groq\":{\"id\":\"req_1\"}}").object.usage).isNull();
        assertThat(parse(head + "\"x_groq\":7}").object.usage).isNull();
    }

    @Test
    void deepSeekCacheHitsStandForAbsentCachedTokens() {
        String usage = "\"prompt_tokens\":17,\"completion_tokens\":10,\"total_tokens\":27,"
                + "\"prompt_cache_hit_tokens\":12,\"prompt_cache_miss_tokens\":5";
        assertThat(parse("{" + VALID_HEAD + ",\"choices\":[],\"usage\":{" + usage + "}}").object.usage)
                .isEqualTo(new Usage(17, 10, 27, 12, 0));
        // DeepSeek now sends both; the details' value counts
        assertThat(parse("{" + VALID_HEAD + ",\"choices\":[],\"usage\":{" + usage
                + ",\"prompt_tokens_details\":{\"cached_tokens\":12}}}").object.usage)
                .isEqualTo(new Usage(17, 10, 27, 12, 0));
        assertThat(parse("{" + VALID_HEAD + ",\"choices\":[],\"usage\":{" + usage
                + ",\"prompt_tokens_details\":{\"cached_tokens\":3}}}").object.usage)
                .isEqualTo(new Usage(17, 10, 27, 3, 0));
    }

    /** Repeats of fields the parser skips cannot change what it reads, so they are not looked for. */
    @Test
    void aRepeatedFieldTheJobDoesNotReadIsIgnored() {
        ParsedRecord r = parse("{" + VALID_HEAD + ",\"obfuscation\":\"a\",\"obfuscation\":\"b\","
                + "\"choices\":[{\"index\":0,\"logprobs\":null,\"logprobs\":null,\"finish_reason\":\"stop\"}]}");

        assertThat(r.reject).isNull();
        assertThat(r.object.choices).containsExactly(new ChoicePart(0, "stop", null));
    }

    @Test
    void createdMayBeUpToADayAheadOfTheClock() {
        LoggedObjectParser at = new LoggedObjectParser(Dimensions.NONE, () -> 1_767_225_600L);
        String day = "{" + VALID_HEAD.replace("1700000000", "1767312000") + ",\"choices\":[]}";
        String more = "{" + VALID_HEAD.replace("1700000000", "1767312001") + ",\"choices\":[]}";
        assertThat(at.parse(LoggedRecord.of(day.getBytes(StandardCharsets.UTF_8))).object).isNotNull();
        assertThat(at.parse(LoggedRecord.of(more.getBytes(StandardCharsets.UTF_8))).reject.detail)
                .isEqualTo("created is 1767312001, more than a day ahead of the clock");
    }

    @Test
    void malformedJsonWinsOverFieldProblems() {
        // Broken after an invalid field: still malformed, since the field checks come last.
        assertThat(parse("{\"object\":\"embedding\",\"id\":").reject.reason).isEqualTo("malformed_json");
    }

    @Test
    void invalidUtf8IsMalformed() {
        byte[] bytes = ("{" + VALID_HEAD + ",\"choices\":[{\"index\":0,\"message\":{\"content\":\"X\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        int x = new String(bytes, StandardCharsets.UTF_8).indexOf("\"X\"") + 1;
        bytes[x] = (byte) 0xC3; // a lead byte with no continuation
        ParsedRecord r = parser.parse(LoggedRecord.of(bytes));
        assertThat(r.reject.reason).isEqualTo("malformed_json");
        assertThat(r.reject.source.value).isEqualTo(bytes);
    }

    /**
     * Jackson matches a field name it has seen before by its bytes in groups of four, padding the
     * last group with 0xFF: once "index" was read, "inde\xFFx" would read as "index" too.
     */
    @Test
    void invalidUtf8InAFieldNameIsMalformedAfterTheValidNameWasSeen() {
        String valid = "{" + VALID_HEAD + ",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}";
        assertThat(parse(valid).object).isNotNull();
        byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
        int name = valid.indexOf("\"index\"") + 1;
        byte[] hidden = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, hidden, 0, name + 4);
        hidden[name + 4] = (byte) 0xFF;
        System.arraycopy(bytes, name + 4, hidden, name + 5, bytes.length - name - 4);
        ParsedRecord r = parser.parse(LoggedRecord.of(hidden));
        assertThat(r.reject).as("parsed as %s", r.object).isNotNull();
        assertThat(r.reject.reason).isEqualTo("malformed_json");
        assertThat(r.reject.detail).isEqualTo("invalid UTF-8 byte 0xff at offset " + (name + 4));
    }

    @Test
    void utf8IsCheckedStrictly() {
        assertThat(Utf8.firstInvalid("plain, é, 中, 😀".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(Utf8.firstInvalid(new byte[] {'a', (byte) 0xC0, (byte) 0x80})).as("overlong").isEqualTo(1);
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80})).as("overlong 3").isZero();
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})).as("surrogate").isZero();
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}))
                .as("above U+10FFFF").isZero();
        assertThat(Utf8.firstInvalid(new byte[] {'x', (byte) 0xE2, (byte) 0x82})).as("cut short").isEqualTo(1);
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0x80})).as("lone continuation").isZero();
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80})).isEqualTo(-1);
    }

    @Test
    void limits() {
        String longModel = "m".repeat(LoggedObjectParser.MAX_NAME_LENGTH + 1);
        assertThat(parse("{" + VALID_HEAD.replace("\"gpt-4o\"", "\"" + longModel + "\"") + ",\"choices\":[]}").reject.detail)
                .isEqualTo("model is 257 characters, limit is 256");
        byte[] big = new byte[LoggedObjectParser.MAX_RECORD_BYTES + 1];
        assertThat(parser.parse(LoggedRecord.of(big)).reject.reason).isEqualTo("limit_exceeded");
        String deep = "{" + VALID_HEAD + ",\"choices\":[],\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
        assertThat(parse(deep).reject.reason).isEqualTo("malformed_json");
    }

    @Test
    void coordinatesTravelWithTheReject() {
        LoggedRecord source = new LoggedRecord("nope".getBytes(StandardCharsets.UTF_8),
                "k".getBytes(StandardCharsets.UTF_8), "logs", 3, 42);
        Reject reject = parser.parse(source).reject;
        assertThat(reject.source).isSameAs(source);
        assertThat(reject.reason).isEqualTo("malformed_json");
    }

    @Test
    void documentedCompletionExampleHasATrailingCommaAndIsRejected() {
        // The API reference's example is not valid JSON (a comma after "content"); real responses are.
        ParsedRecord asDocumented = parser.parse(LoggedRecord.of(Resources.bytes("seeds/completion-as-documented.json")));
        assertThat(asDocumented.reject.reason).isEqualTo("malformed_json");
        assertThat(asDocumented.reject.detail).contains("Unexpected character ('}'");

        String fixed = Resources.string("seeds/completion-as-documented.json")
                .replace("today?\",\n    }", "today?\"\n    }");
        LoggedObject o = parse(fixed).object;
        assertThat(o.id).isEqualTo("chatcmpl-123");
        assertThat(o.chunk).isFalse();
        assertThat(o.model).isEqualTo("gpt-3.5-turbo-0613");
        assertThat(o.systemFingerprint).isEqualTo("fp_44709d6fcb");
        assertThat(o.created).isEqualTo(1677652288L);
        assertThat(o.choices).containsExactly(
                new ChoicePart(0, "stop", "\n\nHello there, how may I assist you today?"));
        assertThat(o.usage).isEqualTo(new Usage(9, 12, 21, 0, 0));
    }

    @Test
    void documentedChunkExamplesParse() {
        List<byte[]> lines = Resources.lines("seeds/chunks-as-documented.jsonl");
        assertThat(lines).hasSize(6);
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (byte[] line : lines) {
            LoggedObject o = parser.parse(LoggedRecord.of(line)).object;
            assertThat(o.chunk).isTrue();
            assertThat(o.id).isEqualTo("chatcmpl-123");
            assertThat(o.created).isEqualTo(1694268190L);
            assertThat(o.model).isEqualTo("gpt-3.5-turbo-0613");
            assertThat(o.systemFingerprint).isEqualTo("fp_44709d6fcb");
            assertThat(o.usage).isNull();
            assertThat(o.choices).hasSize(1);
            ChoicePart c = o.choices.get(0);
            assertThat(c.index).isZero();
            if (c.content != null) {
                content.append(c.content);
            }
            finish = c.finishReason != null ? c.finishReason : finish;
        }
        assertThat(content.toString()).isEqualTo("Hello! today?");
        assertThat(finish).isEqualTo("stop");
    }
}
