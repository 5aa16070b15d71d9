package dev.resident.task.engine;

import dev.resident.json.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The due times of a schedule around a change of the clocks, as every process of a site must see
 * them: the one that ran all along (each due time from the one before), one that starts at any
 * moment (its first due time from now) and its catch-up (the last due time before now, compared
 * with the site's last recorded run). The scheduler's clock is the machine's, so these cases ask
 * the schedule directly what a process starting at a given time makes of it.
 */
class ScheduleTest {
    private static final ZoneId ROME = ZoneId.of("Europe/Rome");
    private static final String[] CRONS = {"0 0 2 * * ?", "0 30 2 * * ?", "0 30 1 * * ?", "0 0/30 * * * ?",
            "0 15 * * * ?", "0 0 * * * ?", "0 0/20 2 * * ?"};

    /**
     * When the clocks go back (Rome, 26 October 2025: 03:00 CEST becomes 02:00 CET), a nightly run
     * at 02:00 is due once, at the first 02:00. A process started after it (a deploy, a crash and
     * restart) must not find a second 02:00 that was never due and queue the night's report again:
     * a new run (its id is the due time's), or with catch-up a "missed" one.
     */
    @Test
    void aProcessStartingOnTheDayTheClocksGoBackDoesNotRunTheNightsReportAgain() {
        Schedule nightly = new Schedule("nightly", "report", "0 0 2 * * ?", ROME, Json.object(), true);
        ZonedDateTime night = nightly.next(ZonedDateTime.of(2025, 10, 25, 12, 0, 0, 0, ROME)).orElseThrow();
        assertEquals(Instant.parse("2025-10-26T00:00:00Z"), night.toInstant(), "due at the first 02:00 (CEST)");
        Instant tomorrow = Instant.parse("2025-10-27T01:00:00Z");
        assertEquals(tomorrow, nightly.next(night).orElseThrow().toInstant(), "and not again at the second 02:00 (CET)");
        ZonedDateTime startedAt = Instant.parse("2025-10-26T00:20:00Z").atZone(ROME); // 02:20 CEST
        assertEquals(tomorrow, nightly.next(startedAt).orElseThrow().toInstant(), "a process started after it");
        for (String at : new String[] {"2025-10-26T01:40:00Z", "2025-10-26T11:00:00Z", "2025-10-26T23:30:00Z"}) {
            ZonedDateTime now = Instant.parse(at).atZone(ROME);
            assertEquals(night.toInstant(), nightly.last(now).orElseThrow().toInstant(),
                    "the last run due before " + now + " is the night's, which the site ran: nothing to catch up");
        }
    }

    /** Around both changes of the clocks, a process starting at any moment joins the due times of one that ran all along. */
    @Test
    void aProcessStartingAtAnyMomentSeesTheDueTimesOfOneThatRanAllAlong() {
        for (ZonedDateTime day : List.of(ZonedDateTime.of(2025, 10, 25, 20, 0, 0, 0, ROME),
                ZonedDateTime.of(2025, 3, 29, 20, 0, 0, 0, ROME))) {
            for (String cron : CRONS) {
                Schedule schedule = new Schedule("s", "report", cron, ROME, Json.object(), true);
                List<Instant> dues = new ArrayList<>();
                ZonedDateTime due = schedule.next(day.minusDays(1)).orElseThrow();
                for (; due.isBefore(day.plusDays(3)); due = schedule.next(due).orElseThrow()) {
                    dues.add(due.toInstant());
                }
                for (int seconds = 0; seconds < 30 * 3600; seconds += 97) {
                    Instant now = day.toInstant().plusSeconds(seconds);
                    Instant expectedNext = dues.stream().filter(d -> d.isAfter(now)).findFirst().orElseThrow();
                    Instant expectedLast = dues.stream().filter(d -> !d.isAfter(now)).reduce((a, b) -> b).orElseThrow();
                    ZonedDateTime at = now.atZone(ROME);
                    assertEquals(expectedNext, schedule.next(at).orElseThrow().toInstant(),
                            cron + ": the next due time after " + at + " of " + dues);
                    assertEquals(expectedLast, schedule.last(at).orElseThrow().toInstant(),
                            cron + ": the last due time at or before " + at + " of " + dues);
                }
            }
        }
    }
}
