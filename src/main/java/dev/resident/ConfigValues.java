package dev.resident;

import io.helidon.config.Config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed readers of one config value, each with its rule: {@link Settings} reads every key through
 * one of them, so that a key's rule is stated where it is read. A value that breaks the rule stops
 * the start with a {@link ConfigException} naming its key. Every key read here has its default in
 * {@code application.yaml}: a missing one fails as a bug.
 */
final class ConfigValues {
    private ConfigValues() {
    }

    /** A duration for which 0 means nothing useful (a ping every millisecond, a session that ends at once, ...). */
    static Duration positiveDuration(Config node) {
        Duration value = duration(node);
        if (value.isZero()) {
            throw new ConfigException(key(node), "\"" + text(node) + "\" must be more than 0; a duration is "
                    + ResidentConfig.DURATION_FORMS);
        }
        return value;
    }

    /** A duration whose 0 is documented (HSTS not sent, no wait, no grace, ...): 0 or more. */
    static Duration duration(Config node) {
        String text = text(node);
        Duration value;
        try {
            value = ResidentConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(node), e.getMessage());
        }
        if (value.isNegative()) {
            throw new ConfigException(key(node), "\"" + text + "\" is negative: a duration is 0 or more");
        }
        return value;
    }

    /** A count for which 0 closes, refuses or empties everything: 1 or more. */
    static int count(Config node) {
        return (int) number(node, 1, Integer.MAX_VALUE);
    }

    /** A count whose 0 is documented (no workers, no quiet logins, ...): 0 or more. */
    static int countOrZero(Config node) {
        return (int) number(node, 0, Integer.MAX_VALUE);
    }

    /** A size in bytes (or a count) that may pass 2^31, for which 0 refuses everything: 1 or more. */
    static long size(Config node) {
        return number(node, 1, Long.MAX_VALUE);
    }

    /** A size in bytes whose 0 is documented (no bound): 0 or more. */
    static long sizeOrZero(Config node) {
        return number(node, 0, Long.MAX_VALUE);
    }

    /** A switch: exactly {@code true} or {@code false} (Helidon would read any other word as false). */
    static boolean bool(Config node) {
        String text = text(node).trim();
        if (!text.equals("true") && !text.equals("false")) {
            throw new ConfigException(key(node), "\"" + text(node) + "\" must be true or false");
        }
        return text.equals("true");
    }

    /** One of {@code allowed}, trimmed. */
    static String oneOf(Config node, String... allowed) {
        String text = text(node).trim();
        if (!List.of(allowed).contains(text)) {
            throw new ConfigException(key(node), "\"" + text + "\" must be one of " + String.join(", ", allowed));
        }
        return text;
    }

    /** A list in YAML or a comma-separated string from the environment, each entry trimmed, blanks left out. */
    static List<String> strings(Config node) {
        List<String> listed = node.type() == Config.Type.VALUE
                ? node.asString().map(text -> Arrays.asList(text.split(","))).orElse(List.of())
                : node.asList(String.class).orElse(List.of());
        return listed.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** A key without a written default (its default is computed): read by {@code reader} when it is set. */
    static <T> Optional<T> optional(Config node, Function<Config, T> reader) {
        return node.exists() ? Optional.of(reader.apply(node)) : Optional.empty();
    }

    /** {@code node} as a number from {@code min} to {@code max}, named by its key when it is not. */
    static long number(Config node, long min, long max) {
        String text = text(node);
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key(node), "\"" + text + "\" must be a whole number, " + min + " or more");
        }
        if (value < min) {
            throw new ConfigException(key(node), "\"" + text + "\" must be " + min + " or more"
                    + (min == 1 ? " (0 would refuse or close everything)" : ""));
        }
        if (value > max) {
            throw new ConfigException(key(node), "\"" + text + "\" must be " + max + " at most");
        }
        return value;
    }

    private static String text(Config node) {
        return node.asString().get();
    }

    private static String key(Config node) {
        return node.key().toString();
    }
}
