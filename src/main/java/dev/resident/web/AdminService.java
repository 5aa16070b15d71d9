package dev.resident.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.PageException;
import dev.resident.registry.Identity;
import dev.resident.registry.Registry;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * The admin view, successor of the legacy register browser, for users with the {@code admin}
 * role (guests get 401 {@code unauthorized}, other users 403 {@code forbidden}):
 * <ul>
 *   <li>{@code GET /_/admin}: the HTML view, which polls the state below</li>
 *   <li>{@code GET /_/admin/state}: users, connections, pages with age, subscriptions and socket;
 *       {@code jobs}: background jobs by state (queued, running with progress, finished in the
 *       kept time, failed with their error id) and the scheduled tasks with their next run</li>
 *   <li>{@code DELETE /_/admin/pages/{page_id}}: drops a page (its socket closes with 4404)</li>
 *   <li>{@code DELETE /_/admin/pages/{page_id}/socket}: closes the page's socket with 1001; the page
 *       stays and its client reconnects and resumes</li>
 *   <li>{@code POST /_/admin/processes/{process}/drain}: drains a process (ready DOWN, new pages
 *       refused, sockets closed with 1001); 404 {@code unknown_process}</li>
 * </ul>
 * In a site over NATS the state is gathered from every live process and each action goes to the
 * process that owns the page (see {@link SiteView}). With {@code resident.admin.host} set, all of
 * this answers only on that host ({@link AdminHost}).
 */
public final class AdminService implements HttpService {
    /** The role that opens the admin view. */
    public static final String ROLE = "admin";
    private static final String VIEW = "admin/index.html";

    /** Longer page ids and process names name nothing: 404 without looking. */
    private static final int MAX_NAME = 128;
    private final Registry registry;
    private final Connections connections;
    private final SiteView site;
    private final byte[] view;
    private final Supplier<ObjectNode> jobs;
    private final AdminHost host;

    /**
     * @param jobs the task engine's view of the jobs, or null when there is none
     * @param host the host the view answers on: elsewhere 404, as a path that is not served
     */
    AdminService(Connections connections, SiteView site, Supplier<ObjectNode> jobs, AdminHost host) {
        this.registry = connections.registry();
        this.connections = connections;
        this.site = site;
        this.jobs = jobs;
        this.view = resource(VIEW);
        this.host = host;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/admin", this::view)
                .get("/admin/state", this::state)
                .delete("/admin/pages/{id}", this::dropPage)
                .delete("/admin/pages/{id}/socket", this::dropSocket)
                .post("/admin/processes/{process}/drain", this::drain);
    }

    private void view(ServerRequest req, ServerResponse res) {
        requireAdmin(req);
        SecurityHeaders.page(res);
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8")
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                .send(view);
    }

    private void state(ServerRequest req, ServerResponse res) {
        requireAdmin(req);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        ObjectNode state = site.state(System.currentTimeMillis());
        ObjectNode jobState = jobs.get();
        if (jobState != null) {
            jobState.path("list").forEach(row -> ((ObjectNode) row).put("user", AdminState.maskGuest(row.path("user").asText())));
            state.set("jobs", jobState);
        }
        Responses.json(res, Json.write(state));
    }

    private void dropPage(ServerRequest req, ServerResponse res) {
        requireAdmin(req);
        site.dropPage(pageId(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void dropSocket(ServerRequest req, ServerResponse res) {
        requireAdmin(req);
        site.dropSocket(pageId(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void drain(ServerRequest req, ServerResponse res) {
        requireAdmin(req);
        String process = req.path().pathParameters().get("process");
        if (process.length() > MAX_NAME) {
            throw LocalSiteView.unknownProcess();
        }
        site.drain(process);
        res.status(Status.NO_CONTENT_204).send();
    }

    private static String pageId(ServerRequest req) {
        String pageId = req.path().pathParameters().get("id");
        if (pageId.length() > MAX_NAME) {
            throw PageException.unknownPage();
        }
        return pageId;
    }

    private void requireAdmin(ServerRequest req) {
        if (!host.admits(req)) {
            throw new ApiError(404, "not_found", "no such route");
        }
        Identity identity = connections.identity(req).orElse(null);
        if (identity == null || identity.guest()) {
            throw ApiError.unauthorized("log in as an admin");
        }
        if (!identity.hasRole(ROLE)) {
            throw ApiError.forbidden("the admin role is required");
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdminService.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
