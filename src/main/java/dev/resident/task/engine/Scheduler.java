package dev.resident.task.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.PageException;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs {@code resident.tasks.schedule} in every process: each schedule has a virtual thread that
 * waits for its next due time and submits the run. The run's job id is derived from the schedule's
 * name and due time, so however many processes submit it, the site queues it once (the job-state
 * store creates it only if absent, and JetStream drops a second publish with the same message id).
 */
public final class Scheduler implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Scheduler.class.getName());
    private final List<Schedule> schedules;
    private final TaskEngine engine;
    private final ScheduleMarks marks;
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, ZonedDateTime> nextRuns = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public Scheduler(List<Schedule> schedules, TaskEngine engine, ScheduleMarks marks) {
        this.schedules = List.copyOf(schedules);
        this.engine = engine;
        this.marks = marks;
    }

    /** Makes up for missed runs (schedules with catch-up) and starts waiting for the next ones. */
    public synchronized void start() {
        if (!threads.isEmpty() || closed) {
            return;
        }
        for (Schedule schedule : schedules) {
            threads.add(Thread.ofVirtual().name("resident-schedule-" + schedule.name()).start(() -> run(schedule)));
        }
    }

    /** The admin view's {@code schedule}: each entry with its next run. */
    public ArrayNode adminState() {
        ArrayNode rows = Json.array();
        for (Schedule schedule : schedules) {
            ObjectNode row = rows.addObject()
                    .put("name", schedule.name())
                    .put("task", schedule.type())
                    .put("cron", schedule.cron())
                    .put("zone", schedule.zone().getId())
                    .put("missed", schedule.catchUp() ? "catch-up" : "skip");
            ZonedDateTime next = nextRuns.get(schedule.name());
            if (next != null) {
                row.put("next_run", next.toOffsetDateTime().toString());
            }
        }
        return rows;
    }

    @Override
    public synchronized void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
    }

    private void run(Schedule schedule) {
        ZonedDateTime now = ZonedDateTime.now(schedule.zone());
        if (schedule.catchUp()) {
            catchUp(schedule, now);
        }
        ZonedDateTime next = schedule.next(now).orElse(null);
        while (!closed && next != null) {
            nextRuns.put(schedule.name(), next);
            Duration wait = Duration.between(Instant.now(), next.toInstant());
            try {
                if (!wait.isNegative()) {
                    Thread.sleep(wait); // until the due time: this is the schedule's clock, not a test delay
                }
            } catch (InterruptedException e) {
                return;
            }
            fire(schedule, next.toInstant().toEpochMilli());
            // the next due time after this one, or after now when this process fell far behind
            ZonedDateTime after = next.isBefore(ZonedDateTime.now(schedule.zone()).minusMinutes(1))
                    ? ZonedDateTime.now(schedule.zone()) : next;
            next = schedule.next(after).orElse(null);
        }
        nextRuns.remove(schedule.name());
    }

    /** The last due time before now, if the site last ran this schedule before it. */
    private void catchUp(Schedule schedule, ZonedDateTime now) {
        OptionalLong last;
        try {
            last = marks.lastDue(schedule.name());
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "schedule " + schedule.name() + ": cannot read its last run, no catch-up: "
                    + e.getMessage());
            return;
        }
        schedule.last(now).ifPresent(missed -> {
            long due = missed.toInstant().toEpochMilli();
            if (last.isPresent() && last.getAsLong() < due) {
                LOGGER.log(Level.INFO, "schedule " + schedule.name() + ": catching up the run of " + missed);
                fire(schedule, due);
            }
        });
    }

    private void fire(Schedule schedule, long due) {
        try {
            engine.submitScheduled(schedule, due);
            marks.recordDue(schedule.name(), due);
        } catch (PageException e) {
            LOGGER.log(Level.WARNING, "schedule " + schedule.name() + ": the run of " + Instant.ofEpochMilli(due)
                    + " was not queued: " + e.getMessage());
        } catch (RuntimeException e) {
            LOGGER.log(Level.ERROR, "schedule " + schedule.name() + ": the run of " + Instant.ofEpochMilli(due)
                    + " failed to queue", e);
        }
    }
}
