package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;

/** What the admin view ({@code GET /_/admin/state}) shows, read by a browser logged in as an admin. */
public final class AdminView {
    private AdminView() {
    }

    /** The calls waiting for or running on the page ({@code pending}); -1 when the view does not list it. */
    public static int pendingCalls(Browser admin, String pageId) {
        for (JsonNode row : admin.get("/_/admin/state").json().path("pages")) {
            if (row.path("page_id").asText().equals(pageId)) {
                return row.path("pending").asInt();
            }
        }
        return -1;
    }
}
