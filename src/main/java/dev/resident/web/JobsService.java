package dev.resident.web;

import dev.resident.registry.Identity;
import dev.resident.task.engine.JobStatus;
import dev.resident.task.engine.TaskEngine;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Background jobs over HTTP, for the user who submitted them (the connection's user) or an admin;
 * anyone else's job does not exist (404 {@code unknown_job}):
 * <ul>
 *   <li>{@code GET /_/jobs/{job_id}}: the job's state as in its last {@code job} message</li>
 *   <li>{@code DELETE /_/jobs/{job_id}}: cancels it (409 {@code job_finished} once it has ended)</li>
 * </ul>
 */
final class JobsService implements HttpService {
    private final Connections connections;
    private final TaskEngine engine;
    private final Replies replies;
    private final AdminHost adminHost;

    /** @param replies sends the answers: a job's state carries its result, which may be large */
    JobsService(Connections connections, TaskEngine engine, Replies replies, AdminHost adminHost) {
        this.connections = connections;
        this.engine = engine;
        this.replies = replies;
        this.adminHost = adminHost;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/jobs/{id}", this::status)
                .delete("/jobs/{id}", this::cancel);
    }

    private void status(ServerRequest req, ServerResponse res) {
        Identity identity = identity(req);
        send(req, res, engine.status(req.path().pathParameters().get("id"), identity.user(), admin(req, identity)));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        Identity identity = identity(req);
        send(req, res, engine.cancel(req.path().pathParameters().get("id"), identity.user(), admin(req, identity)));
    }

    /** An admin reaches every job, on the admin host only when one is set. */
    private boolean admin(ServerRequest req, Identity identity) {
        return identity.hasRole(AdminService.ROLE) && adminHost.admits(req);
    }

    private Identity identity(ServerRequest req) {
        // through the session followed (legacy sessions): not the identity another app logged out
        return connections.identity(req)
                .orElseThrow(() -> ApiError.unauthorized("no session: open a page first"));
    }

    private void send(ServerRequest req, ServerResponse res, JobStatus status) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        replies.send(req, res, "{" + status.messageTail());
    }
}
