package dev.resident.site;

import dev.resident.bus.nats.NatsLink;
import io.nats.client.NUID;

/**
 * The admin subjects of one site: {@code <prefix>.admin.state}, {@code .hello}, {@code .process.<id>}
 * and the reply subjects {@code .inbox.<id>.<unique>}.
 */
final class AdminSubjects {
    private final String prefix;

    AdminSubjects(String prefix) {
        this.prefix = prefix + ".admin.";
    }

    /** Every process answers its state here (scatter-gather). */
    String state() {
        return prefix + "state";
    }

    /** Processes announce themselves here, so the others know whom to expect. */
    String hello() {
        return prefix + "hello";
    }

    /**
     * A fresh subject for the replies to one request of {@code process}: under the site's prefix,
     * so a NATS user allowed only {@code <prefix>.>} can use the admin view.
     */
    String inbox(String process) {
        return prefix + "inbox." + NatsLink.token(process) + "." + NUID.nextGlobal();
    }

    /** Actions for the pages of {@code process}, and its drain. */
    String process(String process) {
        return prefix + "process." + NatsLink.token(process);
    }
}
