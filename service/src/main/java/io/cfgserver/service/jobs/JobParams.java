package io.cfgserver.service.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A job's {@code params} as the client sent them: JSON values (strings, numbers, and, for the jobs
 * that need them, arrays and objects), read with typed accessors whose errors say what to send. The
 * registry keeps them as text ({@link #asText()}: a string as it is, any other value as its JSON).
 */
public final class JobParams {
    private final Map<String, JsonNode> values;

    public JobParams(Map<String, JsonNode> values) {
        this.values = values == null ? Map.of() : new LinkedHashMap<>(values);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        JsonNode v = values.get(key);
        return v != null && !v.isNull();
    }

    /** A string parameter; a number is taken as its digits. Empty when absent or blank. */
    public Optional<String> text(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode v = values.get(key);
        if (!v.isTextual() && !v.isNumber()) {
            throw new JobException(422, "invalid", "params." + key + " must be a string, got " + v);
        }
        String s = v.asText().trim();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** A required string parameter; {@code example} shows the client what a whole request looks like. */
    public String requiredText(String key, String example) {
        return text(key).orElseThrow(() -> new JobException(422, "invalid", "params." + key + " is missing: " + example));
    }

    /** A whole number: a JSON integer, or a string of digits. {@code fallback} when absent. */
    public long number(String key, long fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = values.get(key);
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.asText().trim());
            } catch (NumberFormatException e) {
                // below
            }
        }
        throw new JobException(422, "invalid", "params." + key + " must be a whole number, got " + v);
    }

    /** A JSON value as sent (an array, an object), empty when absent. */
    public Optional<JsonNode> node(String key) {
        return has(key) ? Optional.of(values.get(key)) : Optional.empty();
    }

    /** The params as sent. */
    public Map<String, JsonNode> asJson() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** The params as the registry keeps them. */
    public Map<String, String> asText() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, v == null || v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString()));
        return out;
    }
}
