package dev.resident.site;

import java.time.Duration;

/**
 * How the admin view talks to the other processes ({@code resident.admin}).
 *
 * @param deadline    how long a gather or an action waits for other processes; one that has not
 *                    answered by then is shown as missing
 * @param forgetAfter a process that has not answered for this long is no longer listed
 */
public record SiteAdminSettings(Duration deadline, Duration forgetAfter) {
    public SiteAdminSettings {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("resident.admin.deadline must be positive");
        }
    }
}
