package io.usageanalytics.testing;

import io.usageanalytics.parsing.LoggedObject;
import io.usageanalytics.parsing.LoggedObjectParser;
import io.usageanalytics.parsing.LoggedRecord;
import io.usageanalytics.parsing.ParsedRecord;

import java.nio.charset.StandardCharsets;

/** Builds logged API objects as JSON text, and parses them the way the job does. */
public final class Logged {

    private static final LoggedObjectParser PARSER = new LoggedObjectParser();

    /** Azure OpenAI's first chunk of every stream, exactly as the service sends it. */
    public static final String AZURE_PREAMBLE = "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
            + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,"
            + "\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,"
            + "\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}}]}";

    private Logged() {}

    public static String chunk(String id, String model, String fingerprint, long created,
            String choices, String usage) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"" + model + "\""
                + (fingerprint == null ? "" : ",\"system_fingerprint\":\"" + fingerprint + "\"")
                + ",\"choices\":[" + choices + "]"
                + (usage == null ? "" : ",\"usage\":" + usage) + "}";
    }

    public static String completion(String id, String model, String fingerprint, long created,
            String choices, String usage) {
        return chunk(id, model, fingerprint, created, choices, usage)
                .replace("\"chat.completion.chunk\"", "\"chat.completion\"");
    }

    /** {@code json} of a logged object with {@code "service_tier":tier} added. */
    public static String tier(String tier, String json) {
        return json.replaceFirst("^\\{", "{\"service_tier\":\"" + tier + "\",");
    }

    /**
     * {@code json} as a gateway logs it, naming the calling tenant in {@code x_gateway.tenant}
     * (read with {@code --dimension tenant=json:/x_gateway/tenant}); as it is for {@code ""}.
     */
    public static String tenant(String tenant, String json) {
        return tenant.isEmpty() ? json : json.replaceFirst("^\\{", "{\"x_gateway\":{\"tenant\":\"" + tenant + "\"},");
    }

    /** One delta; {@code content} and {@code finish} may be null. */
    public static String delta(int index, String content, String finish) {
        return "{\"index\":" + index + ",\"delta\":{"
                + (content == null ? "" : "\"content\":\"" + content + "\"")
                + "},\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}";
    }

    public static String message(int index, String content, String finish) {
        return delta(index, content, finish).replace("\"delta\"", "\"message\"");
    }

    public static String usage(long prompt, long completion, long total) {
        return "{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + total + "}";
    }

    public static ParsedRecord parse(String json) {
        return PARSER.parse(LoggedRecord.of(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Parses a record that must be valid. */
    public static LoggedObject object(String json) {
        ParsedRecord r = parse(json);
        if (r.object == null) {
            throw new IllegalArgumentException("invalid test record: " + r.reject);
        }
        return r.object;
    }
}
