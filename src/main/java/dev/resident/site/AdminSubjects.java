package dev.resident.site;

import dev.resident.bus.nats.NatsLink;

/** The admin subjects of one site: {@code <prefix>.admin.state}, {@code .hello} and {@code .process.<id>}. */
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

    /** Actions for the pages of {@code process}, and its drain. */
    String process(String process) {
        return prefix + "process." + NatsLink.token(process);
    }
}
