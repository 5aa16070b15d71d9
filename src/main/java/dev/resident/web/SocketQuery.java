package dev.resident.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The query of {@code /_/ws}: page id (percent-decoded, it may hold {@code |}), the last seq the
 * client saw (-1 for none), the epoch it holds, and whether it takes several messages in one frame
 * as a JSON array ({@code batch=1}; any other value, or an unknown option, gets the default: one
 * message per frame).
 */
record SocketQuery(String pageId, long after, String epoch, boolean batch) {

    static SocketQuery parse(String raw) {
        String pageId = null;
        String epoch = null;
        long after = -1;
        boolean batch = false;
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (name) {
                case "page_id" -> pageId = value;
                case "epoch" -> epoch = value;
                case "after" -> after = parseAfter(value);
                case "batch" -> batch = "1".equals(value);
                default -> { }
            }
        }
        return new SocketQuery(pageId, after, epoch, batch);
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
