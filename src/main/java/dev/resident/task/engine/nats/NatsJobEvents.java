package dev.resident.task.engine.nats;

import dev.resident.json.Json;
import dev.resident.task.engine.JobEvents;
import dev.resident.task.engine.JobStatus;
import dev.resident.task.engine.PageDelivery;
import dev.resident.task.engine.TaskMeters;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * Job messages to the job's page: straight to it when this process holds it, else over NATS core
 * on the page's subject, where every process listens and the one that holds the page (looked up
 * when the message arrives) appends it. One publisher's messages keep their order.
 */
final class NatsJobEvents implements JobEvents {
    private static final System.Logger LOGGER = System.getLogger(NatsJobEvents.class.getName());
    private final Connection connection;
    private final JetStreamNames names;
    private final PageDelivery pages;
    private final Dispatcher dispatcher;
    private final TaskMeters meters;

    NatsJobEvents(Connection connection, JetStreamNames names, PageDelivery pages, TaskMeters meters) {
        this.connection = connection;
        this.meters = meters;
        this.names = names;
        this.pages = pages;
        this.dispatcher = connection.createDispatcher(this::receive);
        dispatcher.subscribe(names.allPages());
    }

    @Override
    public void send(JobStatus status) {
        if (status.pageId().isEmpty()) {
            return; // a scheduled job: no page hears about it
        }
        String tail = status.messageTail();
        if (pages.deliver(status.pageId(), status.user(), tail)) {
            return;
        }
        try {
            connection.publish(names.pageSubject(status.pageId()),
                    Json.write(status.json()).getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "job message for page not sent: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            connection.closeDispatcher(dispatcher);
        } catch (RuntimeException e) {
            // closing anyway
        }
    }

    /** A job record; it is decoded and encoded again, so only a well-formed job message reaches a page. */
    private void receive(Message message) {
        JobStatus status;
        try {
            status = JobStatus.of(Json.parse(message.getData()));
        } catch (RuntimeException e) {
            meters.malformed();
            return;
        }
        pages.deliver(status.pageId(), status.user(), status.messageTail());
    }
}
