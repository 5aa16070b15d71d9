package dev.resident.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The query of {@code /_/ws}: page id (percent-decoded, it may hold {@code |}), the last seq the
 * client saw (-1 for none) and the epoch it holds.
 */
record SocketQuery(String pageId, long after, String epoch) {

    static SocketQuery parse(String raw) {
        String pageId = null;
        String epoch = null;
        long after = -1;
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (name) {
                case "page_id" -> pageId = value;
                case "epoch" -> epoch = value;
                case "after" -> after = parseAfter(value);
                default -> { }
            }
        }
        return new SocketQuery(pageId, after, epoch);
    }

    private static long parseAfter(String value) {
        try {
            return value.isEmpty() ? -1 : Math.max(-1, Long.parseLong(value));
        } catch (NumberFormatException e) {
            return 0; // an unreadable position gets a resync rather than a silent start from now
        }
    }

    private static String decode(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
