package dev.resident.site;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.metrics.ResidentMeters;
import dev.resident.page.PageException;
import dev.resident.site.AdminMessages.Hello;
import dev.resident.site.AdminMessages.Malformed;
import dev.resident.site.AdminMessages.Request;
import dev.resident.web.ApiError;
import dev.resident.web.LocalAdmin;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * Answers the other processes' admin requests about this process: its state on the site's state
 * subject, and actions on its pages (and its drain) on its own subject. It listens only under the
 * site's prefix, on the connection opened with the site's credentials; a malformed request is
 * counted and ignored. Its own dispatcher keeps admin work off the bus's.
 */
final class AdminResponder {
    private static final System.Logger LOGGER = System.getLogger(AdminResponder.class.getName());
    private final String self;
    private final AdminSubjects subjects;
    private final LocalAdmin local;
    private final KnownProcesses known;
    private final ResidentMeters meters;
    private Connection connection;

    AdminResponder(String self, AdminSubjects subjects, LocalAdmin local, KnownProcesses known, ResidentMeters meters) {
        this.self = self;
        this.subjects = subjects;
        this.local = local;
        this.known = known;
        this.meters = meters;
    }

    /** Subscribes on the connection and says hello to the site. */
    void attach(Connection connection) {
        this.connection = connection;
        Dispatcher dispatcher = connection.createDispatcher();
        dispatcher.subscribe(subjects.state(), this::onRequest);
        dispatcher.subscribe(subjects.process(self), this::onRequest);
        dispatcher.subscribe(subjects.hello(), this::onHello);
        publish(subjects.hello(), AdminMessages.hello(self, false));
    }

    private void onHello(Message message) {
        Hello hello;
        try {
            hello = AdminMessages.readHello(message.getData());
        } catch (Malformed e) {
            malformed(message, e);
            return;
        }
        if (hello.process().equals(self)) {
            return;
        }
        if (hello.leaving()) {
            known.left(hello.process(), System.currentTimeMillis());
            return;
        }
        known.seen(hello.process(), System.currentTimeMillis());
        if (!hello.answer()) {
            publish(subjects.hello(), AdminMessages.hello(self, true)); // so the newcomer knows us too
        }
    }

    private void onRequest(Message message) {
        Request request;
        try {
            request = AdminMessages.readRequest(message.getData());
        } catch (Malformed e) {
            malformed(message, e);
            return;
        }
        String replyTo = message.getReplyTo();
        if (replyTo == null || request.from().equals(self)) {
            return;
        }
        long now = System.currentTimeMillis();
        known.seen(request.from(), now);
        byte[] reply = request.action().equals("state") ? stateReply(now) : act(request);
        publish(replyTo, reply);
    }

    /**
     * This process's state as one message NATS carries ({@code max_payload}, 1 MB by default): 500
     * rows of pages that watch many tables can be more, and the client refuses a larger message
     * unsent, so the asker would list this process, up, as missing. Its lists lose their last
     * half (the oldest connections and pages) until it fits; the counts stay complete.
     */
    private byte[] stateReply(long now) {
        ObjectNode health = local.health(now);
        ObjectNode state = local.state(now);
        Map<String, Long> others = known.others(now);
        byte[] reply = AdminMessages.stateReply(self, health, state, others);
        long most = connection.getMaxPayload();
        while (most > 0 && reply.length > most && AdminMessages.halveRows(state)) {
            reply = AdminMessages.stateReply(self, health, state, others);
        }
        return reply;
    }

    private byte[] act(Request request) {
        try {
            switch (request.action()) {
                case "drop_page" -> local.dropPage(request.pageId());
                case "drop_socket" -> local.dropSocket(request.pageId());
                default -> local.drain();
            }
            return AdminMessages.actionReply(self, 204, null, null);
        } catch (PageException e) {
            return AdminMessages.actionReply(self, e.status(), e.code(), e.getMessage());
        } catch (ApiError e) {
            return AdminMessages.actionReply(self, e.status(), e.code(), e.getMessage());
        }
    }

    private void publish(String subject, byte[] data) {
        try {
            connection.publish(subject, data);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // disconnected, or too large for NATS: the asker sees this process as missing
            LOGGER.log(Level.DEBUG, () -> "admin message on " + subject + " not sent: " + e.getMessage());
        }
    }

    private void malformed(Message message, Malformed e) {
        meters.adminMalformed.increment();
        LOGGER.log(Level.DEBUG, () -> "ignored a malformed admin message on " + message.getSubject() + ": "
                + e.getMessage());
    }
}
