package io.usageanalytics.assembly;

import io.usageanalytics.parsing.ChoicePart;
import io.usageanalytics.parsing.LoggedObject;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Estimates completion tokens from generated text when a response carries no usage, with the
 * tokenizer the model family really uses: {@code o200k_base} for gpt-4o, gpt-4.1, gpt-4.5, gpt-5
 * and the o-series, {@code cl100k_base} for everything else.
 */
public final class TokenEstimator {

    private static final Pattern O200K_FAMILIES =
            Pattern.compile("^(gpt-4o|chatgpt-4o|gpt-4\\.1|gpt-4\\.5|gpt-5|o[1-9])([-.:_].*)?$");

    private static final int MAX_REMEMBERED_MODELS = 10_000;

    /**
     * A stream's deltas are about a token each, so the same short texts come again and again;
     * their counts are remembered per encoding (a count depends on nothing else).
     */
    private static final int MAX_REMEMBERED_TEXT_LENGTH = 32;
    private static final int MAX_REMEMBERED_TEXTS = 65_536;

    private final Map<String, Encoding> byModel = new HashMap<>();
    private final Map<Encoding, Map<String, Integer>> counted = new HashMap<>();

    /**
     * Loaded once per JVM, on first use: each vocabulary is a map of 100,000 to 200,000 byte
     * sequences, and every subtask of a TaskManager can share it (an encoding is immutable).
     */
    private static final class Vocabularies {
        private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
        static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
        static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

        /** Nothing but the call: the first one initializes this class, which loads both. */
        static void load() {}
    }

    /** Loads both vocabularies now, if no one has yet: for a caller that has a core to spare. */
    public static void loadVocabularies() {
        Vocabularies.load();
    }

    /** The encoding for a logged model name; a provider prefix such as {@code openai/} is ignored. */
    public Encoding encodingFor(String model) {
        // Few distinct models, many chunks: remember the answer (bounded, names are capped).
        Encoding known = byModel.get(model);
        if (known == null) {
            String name = model.substring(model.lastIndexOf('/') + 1);
            known = O200K_FAMILIES.matcher(name).matches() ? Vocabularies.O200K : Vocabularies.CL100K;
            if (byModel.size() < MAX_REMEMBERED_MODELS) {
                byModel.put(model, known);
            }
        }
        return known;
    }

    /**
     * Tokens of the generated text (content and tool-call arguments) an object carries; a run of
     * folded chunks carries its own estimate, made where its chunks were read.
     */
    public long estimate(LoggedObject o) {
        if (o.folded != null) {
            return o.estimatedTokens;
        }
        Encoding encoding = encodingFor(o.model);
        long tokens = 0;
        for (ChoicePart choice : o.choices) {
            tokens += countRemembered(encoding, choice.content);
            for (String args : choice.toolArguments.values()) {
                tokens += count(encoding, args);
            }
        }
        return tokens;
    }

    private long countRemembered(Encoding encoding, String text) {
        if (text == null || text.length() > MAX_REMEMBERED_TEXT_LENGTH) {
            return count(encoding, text);
        }
        Map<String, Integer> counts = counted.computeIfAbsent(encoding, e -> new HashMap<>());
        Integer known = counts.get(text);
        if (known == null) {
            if (counts.size() >= MAX_REMEMBERED_TEXTS) {
                counts.clear();
            }
            known = (int) count(encoding, text);
            counts.put(text, known);
        }
        return known;
    }

    /** Tokens of {@code text}; special-token markers in generated text count as ordinary text. */
    public static long count(Encoding encoding, String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }
}
