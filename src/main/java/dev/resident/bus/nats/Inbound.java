package dev.resident.bus.nats;

import dev.resident.bus.BusListener;
import dev.resident.bus.DbEvent;
import dev.resident.bus.nats.Envelope.MalformedMessage;
import dev.resident.bus.nats.Envelope.Received;
import dev.resident.metrics.ResidentMeters;
import io.nats.client.MessageHandler;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Turns NATS messages into deliveries to this process's {@link BusListener}: decodes them, drops
 * (and counts) malformed ones, skips this process's own and shields the dispatcher from failures.
 */
final class Inbound {
    private static final System.Logger LOGGER = System.getLogger(Inbound.class.getName());
    private final String process;
    /** How this process's own messages start (see {@link Envelope#ownPrefix}). */
    private final byte[] own;
    private final Subjects subjects;
    private final BusListener listener;
    private final ResidentMeters meters;

    Inbound(String process, Subjects subjects, BusListener listener, ResidentMeters meters) {
        this.process = process;
        this.own = new Envelope(process).ownPrefix();
        this.subjects = subjects;
        this.listener = listener;
        this.meters = meters;
    }

    MessageHandler dbevents() {
        return handler(Envelope::readDbEvent, event -> subjects.table(event.table()), listener::onDbEvent);
    }

    MessageHandler notices() {
        return handler(Envelope::readNotice, notice -> subjects.user(notice.user()), listener::onNotify);
    }

    MessageHandler broadcasts() {
        return handler(Envelope::readBroadcast, broadcast -> subjects.broadcast(), listener::onBroadcast);
    }

    MessageHandler sessions() {
        return handler(Envelope::readSessionReplaced, session -> subjects.sessions(), listener::onSessionReplaced);
    }

    /**
     * NATS dropped messages for this process: the pages watching {@code tables} get
     * {@code {"action":"*"}} (reload), since any of the dropped ones may have been theirs.
     */
    void missed(Set<String> tables) {
        for (String table : tables) {
            try {
                listener.onDbEvent(new DbEvent(table, Envelope.reloadAll(), null));
            } catch (RuntimeException e) {
                LOGGER.log(Level.ERROR, "telling the pages of " + table + " to reload failed", e);
            }
        }
    }

    private <T> MessageHandler handler(Function<byte[], Received<T>> read, Function<T, String> subjectOf,
                                       Consumer<T> deliver) {
        return message -> {
            if (startsWith(message.getData(), own)) {
                return; // our own message back from NATS (the shared connection echoes): our pages got it when it was published
            }
            Received<T> received;
            try {
                received = read.apply(message.getData());
                if (!message.getSubject().equals(subjectOf.apply(received.event()))) {
                    throw new MalformedMessage("its subject does not match its content");
                }
            } catch (MalformedMessage e) {
                meters.busMalformed.increment();
                LOGGER.log(Level.DEBUG, () -> "dropped a malformed bus message on " + Subjects.forLog(message.getSubject())
                        + ": " + e.getMessage());
                return;
            }
            if (received.process().equals(process)) {
                return; // our own, written by another encoder: skipped all the same
            }
            try {
                deliver.accept(received.event());
            } catch (RuntimeException e) {
                // one dispatcher serves every subscription: a failing delivery must not stop it
                LOGGER.log(Level.ERROR, "delivering a bus message from " + Subjects.forLog(message.getSubject()) + " failed", e);
            }
        };
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data != null && data.length >= prefix.length
                && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }
}
