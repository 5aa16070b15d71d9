package dev.resident.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.BusNames;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

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
    public void leave() {
        Connection current = connection.get();
        if (current == null) {
            return;
        }
        try {
            current.publish(subjects.hello(), AdminMessages.leaving(self));
            current.flush(Duration.ofSeconds(1)); // before the process closes its connection
        } catch (IllegalStateException | java.util.concurrent.TimeoutException e) {
            LOGGER.log(Level.DEBUG, () -> "the site was not told this process stops: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        if (process.getBytes(StandardCharsets.UTF_8).length > BusNames.MAX_BYTES) {
            throw unknown.get(); // longer than a subject takes: no process has this name
        }
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
        ActionReply[] answer = new ActionReply[1];
        exchange(subjects.process(process), request, message -> {
            try {
                answer[0] = AdminMessages.readActionReply(message.getData());
                return true;
            } catch (Malformed e) {
                malformed("action reply from " + process, e);
                return true; // it answered, with garbage: no point waiting
            }
        });
        return answer[0];
    }

    /** The other processes' states, by process, as they arrive until the deadline or until every known one answered. */
    private Map<String, StateReply> gather() {
        Map<String, StateReply> replies = new TreeMap<>();
        List<String> expected = new ArrayList<>(known.others(System.currentTimeMillis()).keySet());
        exchange(subjects.state(), AdminMessages.request(self, "state", null), message -> {
            try {
                StateReply reply = AdminMessages.readStateReply(message.getData());
                if (!reply.process().equals(self)) {
                    replies.put(reply.process(), reply);
                }
            } catch (Malformed e) {
                malformed("state reply", e);
            }
            // with nobody known yet, wait the whole deadline: whoever is there gets the time to answer
            return !expected.isEmpty() && replies.keySet().containsAll(expected);
        });
        return replies;
    }

    /**
     * Publishes a request with a reply subject of its own and hands each reply to {@code onReply}
     * until it returns true or the deadline has passed. Nothing happens while NATS is unreachable.
     */
    private void exchange(String subject, byte[] request, Predicate<Message> onReply) {
        Connection current = connection.get();
        if (current == null || current.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        long deadline = System.nanoTime() + settings.deadline().toNanos();
        Subscription subscription = null;
        try {
            String inbox = subjects.inbox(self);
            subscription = current.subscribe(inbox);
            current.publish(subject, inbox, request);
            while (true) {
                long left = deadline - System.nanoTime();
                Message message = left <= 0 ? null : subscription.nextMessage(Duration.ofNanos(left));
                if (message == null || onReply.test(message)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            LOGGER.log(Level.DEBUG, () -> "admin request on " + subject + " cut short: " + e.getMessage());
        } finally {
            if (subscription != null) {
                try {
                    subscription.unsubscribe();
                } catch (IllegalStateException e) {
                    // the connection closed meanwhile
                }
            }
        }
    }

    private void malformed(String what, Malformed e) {
        meters.adminMalformed.increment();
        LOGGER.log(Level.DEBUG, () -> "ignored a malformed admin " + what + ": " + e.getMessage());
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
