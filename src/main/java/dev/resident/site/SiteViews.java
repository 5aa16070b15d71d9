package dev.resident.site;

import dev.resident.bus.Bus;
import dev.resident.bus.nats.NatsLink;
import dev.resident.metrics.ResidentMeters;
import dev.resident.web.LocalAdmin;
import dev.resident.web.LocalSiteView;
import dev.resident.web.SiteView;

/** Chooses the admin view's reach: the whole site when the bus runs over NATS, else this process. */
public final class SiteViews {
    private SiteViews() {
    }

    /**
     * @param process this process's name for a single-process site ({@code single} when empty)
     */
    public static SiteView create(LocalAdmin local, Bus bus, String process, SiteAdminSettings settings,
                                  ResidentMeters meters) {
        if (!(bus instanceof NatsLink link)) {
            return new LocalSiteView(local, process.isEmpty() ? "single" : process);
        }
        AdminSubjects subjects = new AdminSubjects(link.prefix());
        KnownProcesses known = new KnownProcesses(link.process(), settings.forgetAfter());
        NatsSiteView view = new NatsSiteView(link.process(), subjects, local, known, settings, meters);
        AdminResponder responder = new AdminResponder(link.process(), subjects, local, known, meters);
        link.whenConnected(connection -> {
            view.attach(connection);
            responder.attach(connection);
        });
        return view;
    }
}
