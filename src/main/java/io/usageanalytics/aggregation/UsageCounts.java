package io.usageanalytics.aggregation;

import io.usageanalytics.assembly.RequestUsage;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The usage measures of all requests in a window so far (the window's state) or of one row.
 * {@link UsageColumn} defines each measure once; the fields exist because this class is
 * checkpointed as a Flink POJO, whose savepoints name the class and its fields: both stay as they
 * are, and a new measure is a new field (a savepoint without it restores it as 0).
 */
public class UsageCounts {

    public long requests;
    public long streamedRequests;
    public long choices;
    public long promptTokens;
    public long completionTokens;
    public long totalTokens;
    public long cachedPromptTokens;
    public long reasoningTokens;
    public long finishStop;
    public long finishLength;
    public long finishToolCalls;
    public long finishContentFilter;
    public long finishFunctionCall;
    public long finishOther;
    public long finishNone;
    public long estimatedRequests;
    public long duplicatesDropped;
    // Usage details, added later: savepoints taken before restore them as 0.
    public long audioPromptTokens;
    public long audioCompletionTokens;
    public long acceptedPredictionTokens;
    public long rejectedPredictionTokens;
    public long cacheWriteTokens;
    /**
     * With dimensions configured, the window's counts per combination of dimension values
     * ({@link DimensionCombination}), each in {@link UsageColumn} order; the fields above are their
     * sum. Working state of a window only: rows carry none. Added later: a savepoint taken before
     * restores it as {@code null}, which means none yet.
     */
    public Map<String, long[]> byDimensions;

    public UsageCounts() {}

    /**
     * Counts one request in: the one place that says which measures a request adds to. A dropped
     * duplicate counts only as that; a request's tokens are its usage, or the estimate when it
     * carried none.
     */
    public void add(RequestUsage r) {
        if (r.duplicate) {
            duplicatesDropped++;
            return;
        }
        requests++;
        if (r.streamed) {
            streamedRequests++;
        }
        for (String reason : r.finishReasons) {
            addFinish(reason);
        }
        if (r.usage != null) {
            promptTokens += r.usage.promptTokens;
            completionTokens += r.usage.completionTokens;
            totalTokens += r.usage.totalTokens;
            cachedPromptTokens += r.usage.cachedTokens;
            reasoningTokens += r.usage.reasoningTokens;
            audioPromptTokens += r.usage.audioPromptTokens;
            audioCompletionTokens += r.usage.audioCompletionTokens;
            acceptedPredictionTokens += r.usage.acceptedPredictionTokens;
            rejectedPredictionTokens += r.usage.rejectedPredictionTokens;
            cacheWriteTokens += r.usage.cacheWriteTokens;
        } else {
            completionTokens += r.estimatedTokens;
            totalTokens += r.estimatedTokens;
            estimatedRequests++;
        }
    }

    /** Counts one choice under its finish reason; {@code null} means it ended without one. */
    private void addFinish(String reason) {
        choices++;
        if (reason == null) {
            finishNone++;
            return;
        }
        switch (reason) {
            case "stop":
                finishStop++;
                break;
            case "length":
                finishLength++;
                break;
            case "tool_calls":
                finishToolCalls++;
                break;
            case "content_filter":
                finishContentFilter++;
                break;
            case "function_call":
                finishFunctionCall++;
                break;
            default:
                finishOther++;
        }
    }

    /**
     * Counts one request in, both in the measures and in those of {@code combination}, its values
     * of the dimensions. Returns whether the combination is new here.
     */
    boolean add(RequestUsage r, String combination) {
        UsageCounts one = new UsageCounts();
        one.add(r);
        addMeasures(one);
        return add(combination, one.columns());
    }

    /** Adds every measure of {@code o}, combinations of dimension values included. */
    public void add(UsageCounts o) {
        addMeasures(o);
        if (o.byDimensions != null) {
            o.byDimensions.forEach((combination, counts) -> add(combination, counts));
        }
    }

    /** Adds every measure of {@code o}, but not its combinations. */
    void addMeasures(UsageCounts o) {
        for (UsageColumn c : UsageColumn.values()) {
            c.set(this, c.of(this) + c.of(o));
        }
    }

    /**
     * Adds {@code counts} (in {@link UsageColumn} order) to those of {@code combination}; returns
     * whether the combination is new here.
     */
    boolean add(String combination, long[] counts) {
        if (byDimensions == null) {
            byDimensions = new HashMap<>();
        }
        long[] sum = byDimensions.get(combination);
        boolean added = sum == null;
        if (added) {
            sum = new long[counts.length];
            byDimensions.put(combination, sum);
        }
        for (int i = 0; i < counts.length; i++) {
            sum[i] += counts[i];
        }
        return added;
    }

    /**
     * Sums every combination but those {@code kept} into {@code other}, in place; the sum over all
     * combinations stays what it was. Returns the sum of those not kept ({@code other}'s counts),
     * or {@code null} if there are none.
     */
    long[] foldInto(String other, Set<String> kept) {
        long[] rest = null;
        for (Iterator<Map.Entry<String, long[]>> i = byDimensions.entrySet().iterator(); i.hasNext(); ) {
            Map.Entry<String, long[]> c = i.next();
            if (kept.contains(c.getKey())) {
                continue;
            }
            if (rest == null) {
                rest = new long[c.getValue().length];
            }
            for (int k = 0; k < rest.length; k++) {
                rest[k] += c.getValue()[k];
            }
            i.remove();
        }
        if (rest != null) {
            byDimensions.put(other, rest);
        }
        return rest;
    }

    /** The measures in {@link UsageColumn} order. */
    long[] columns() {
        UsageColumn[] columns = UsageColumn.values();
        long[] values = new long[columns.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = columns[i].of(this);
        }
        return values;
    }

    /** Counts with the measures {@code values} in {@link UsageColumn} order. */
    static UsageCounts ofColumns(long[] values) {
        UsageCounts c = new UsageCounts();
        UsageColumn[] columns = UsageColumn.values();
        for (int i = 0; i < values.length; i++) {
            columns[i].set(c, values[i]);
        }
        return c;
    }

    /** These counts with {@code column} set to {@code value}, for building rows by column name. */
    public UsageCounts with(UsageColumn column, long value) {
        column.set(this, value);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UsageCounts)) {
            return false;
        }
        for (UsageColumn c : UsageColumn.values()) {
            if (c.of(this) != c.of((UsageCounts) o)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (UsageColumn c : UsageColumn.values()) {
            h = 31 * h + Long.hashCode(c.of(this));
        }
        return h;
    }

    /** The non-zero measures by column name, e.g. {@code {requests=2, total_tokens=46}}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        for (UsageColumn c : UsageColumn.values()) {
            if (c.of(this) != 0) {
                s.append(s.length() == 1 ? "" : ", ").append(c.sql).append('=').append(c.of(this));
            }
        }
        return s.append('}').toString();
    }
}
