package dev.resident.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.metrics.ResidentMeters;
import dev.resident.site.AdminMessages.ActionReply;
import dev.resident.site.AdminMessages.Malformed;
import dev.resident.site.AdminMessages.StateReply;
import dev.resident.web.AdminRows;
import dev.resident.web.ApiError;
import dev.resident.web.LocalAdmin;
import dev.resident.web.LocalSiteView;
import dev.resident.web.SiteView;
import dev.resident.page.PageException;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admin view of a site over NATS. The state is gathered from every live process with one
 * request on the site's state subject, waiting at most the deadline (less once every known process
 * has answered); a known process that has not answered is listed as missing. An action goes to the
 * process named by the page id's {@code |pNN} suffix (or to the process being drained).
 */
final class NatsSiteView implements SiteView {
    private static final System.Logger LOGGER = System.getLogger(NatsSiteView.class.getName());
    private final String self;
    private final AdminSubjects subjects;
    private final LocalAdmin local;
    private final KnownProcesses known;
    private final SiteAdminSettings settings;
    private final ResidentMeters meters;
    private final AtomicReference<Connection> connection = new AtomicReference<>();

    NatsSiteView(String self, AdminSubjects subjects, LocalAdmin local, KnownProcesses known,
                 SiteAdminSettings settings, ResidentMeters meters) {
        this.self = self;
        this.subjects = subjects;
        this.local = local;
        this.known = known;
        this.settings = settings;
        this.meters = meters;
    }

    void attach(Connection created) {
        connection.set(created);
    }

    @Override
    public ObjectNode state(long now) {
        Map<String, StateReply> replies = gather();
        long seen = System.currentTimeMillis();
        replies.values().forEach(reply -> {
            known.seen(reply.process(), seen);
            reply.known().forEach(known::seen);
        });
        Map<String, ObjectNode> states = new TreeMap<>();
        Map<String, ObjectNode> processes = new TreeMap<>();
        ObjectNode own = local.state(now);
        states.put(self, own);
        processes.put(self, AdminRows.up(self, local.health(now), own.path("counts")));
        replies.forEach((process, reply) -> {
            states.put(process, reply.state());
            processes.put(process, AdminRows.up(process, reply.health(), reply.state().path("counts")));
        });
        known.others(seen).forEach((process, lastSeen) -> processes.computeIfAbsent(process,
                p -> AdminRows.missing(p, Math.max(0, (now - lastSeen) / 1000))));
        return merge(now, states, processes);
    }

    @Override
    public void dropPage(String pageId) {
        act(owner(pageId), "drop_page", pageId, PageException::unknownPage);
    }

    @Override
    public void dropSocket(String pageId) {
        act(owner(pageId), "drop_socket", pageId, PageException::unknownPage);
    }

    @Override
    public void drain(String process) {
        act(process, "drain", null, LocalSiteView::unknownProcess);
    }

    /** The process a page id names by its suffix, or this one when it names none. */
    private String owner(String pageId) {
        int bar = pageId.lastIndexOf('|');
        return bar < 0 || bar == pageId.length() - 1 ? self : pageId.substring(bar + 1);
    }

    private void act(String process, String action, String pageId, java.util.function.Supplier<RuntimeException> unknown) {
        if (process.equals(self)) {
            switch (action) {
                case "drop_page" -> local.dropPage(pageId);
                case "drop_socket" -> local.dropSocket(pageId);
                default -> local.drain();
            }
            return;
        }
        ActionReply reply = ask(process, AdminMessages.request(self, action, pageId));
        if (reply == null) {
            if (known.knows(process)) {
                throw ApiError.unavailable("process " + process + " did not answer");
            }
            throw unknown.get();
        }
        if (reply.status() >= 400) {
            throw new ApiError(reply.status(), reply.code(), reply.message());
        }
    }

    /** One process's answer to an action, or null when it does not answer in time. */
    private ActionReply ask(String process, byte[] request) {
        Connection current = connection.get();
        if (current == null || current.getStatus() != Connection.Status.CONNECTED) {
            return null;
        }
        try {
            Message reply = current.request(subjects.process(process), request)
                    .get(settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
            return AdminMessages.readActionReply(reply.getData());
        } catch (Malformed e) {
            meters.adminMalformed.increment();
            LOGGER.log(Level.DEBUG, () -> "ignored a malformed admin reply from " + process + ": " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null; // timed out, no responders, or the link dropped: the process does not answer
        }
    }

    /** The other processes' states, by process, as they arrive until the deadline or until every known one answered. */
    private Map<String, StateReply> gather() {
        Map<String, StateReply> replies = new TreeMap<>();
        Connection current = connection.get();
        if (current == null || current.getStatus() != Connection.Status.CONNECTED) {
            return replies;
        }
        long start = System.nanoTime();
        long deadline = start + settings.deadline().toNanos();
        List<String> expected = new ArrayList<>(known.others(System.currentTimeMillis()).keySet());
        String inbox = current.createInbox();
        Subscription subscription = current.subscribe(inbox);
        try {
            current.publish(subjects.state(), inbox, AdminMessages.request(self, "state", null));
            // with nobody known yet, wait the whole deadline: whoever is there gets the time to answer
            while (expected.isEmpty() || !replies.keySet().containsAll(expected)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Message message = subscription.nextMessage(Duration.ofNanos(left));
                if (message == null) {
                    break;
                }
                try {
                    StateReply reply = AdminMessages.readStateReply(message.getData());
                    if (!reply.process().equals(self)) {
                        replies.put(reply.process(), reply);
                    }
                } catch (Malformed e) {
                    meters.adminMalformed.increment();
                    LOGGER.log(Level.DEBUG, () -> "ignored a malformed admin state reply: " + e.getMessage());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            LOGGER.log(Level.DEBUG, () -> "admin gather cut short: " + e.getMessage());
        } finally {
            try {
                subscription.unsubscribe();
            } catch (IllegalStateException e) {
                // the connection closed meanwhile
            }
        }
        return replies;
    }

    /** One state of the site: counts summed, rows of every process (the newest first), processes by name. */
    private static ObjectNode merge(long now, Map<String, ObjectNode> states, Map<String, ObjectNode> processes) {
        ObjectNode site = Json.object().put("now", now);
        ObjectNode counts = site.putObject("counts");
        for (String count : AdminRows.COUNTS) {
            counts.put(count, states.values().stream().mapToLong(s -> s.path("counts").path(count).asLong()).sum());
        }
        site.putArray("processes").addAll(processes.values());
        for (String list : AdminRows.LISTS) {
            List<JsonNode> rows = new ArrayList<>();
            states.forEach((process, state) -> {
                AdminRows.tag(state, process);
                state.path(list).forEach(rows::add);
            });
            Comparator<JsonNode> order = list.equals("users")
                    ? Comparator.comparing((JsonNode row) -> row.path("user").asText())
                    : Comparator.comparingLong((JsonNode row) -> row.path("age_s").asLong());
            ArrayNode merged = site.putArray(list);
            rows.stream().sorted(order).limit(AdminMessages.MAX_ROWS).forEach(merged::add);
        }
        return site;
    }
}
