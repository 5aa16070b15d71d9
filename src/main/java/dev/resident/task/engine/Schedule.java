package dev.resident.task.engine;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of {@code resident.tasks.schedule}: run task {@code type} with {@code params} at the
 * times of a Quartz cron expression ({@code sec min hour day-of-month month day-of-week [year]},
 * parsed by cron-utils, as Helidon Scheduling does) in {@code zone}.
 *
 * @param catchUp whether a run missed while the whole site was down is made up for, once, at start
 */
public record Schedule(String name, String type, String cron, ZoneId zone, ObjectNode params, boolean catchUp) {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** @throws IllegalArgumentException for a bad name or cron expression */
    public Schedule {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("resident.tasks.schedule name must be 1-64 of A-Z a-z 0-9 _ -: " + name);
        }
        executionTime(cron);
    }

    /**
     * The first run strictly after {@code after} (due times are whole seconds): the one that a
     * process running all along, each due time found from the one before, runs next.
     */
    Optional<ZonedDateTime> next(ZonedDateTime after) {
        ExecutionTime times = executionTime(cron);
        ZonedDateTime from = after.withZoneSameInstant(zone).withNano(0);
        Optional<Instant> overlap = overlapStart(from.toInstant());
        if (overlap.isEmpty()) {
            return times.nextExecution(from);
        }
        // within an hour the clocks go back over, cron-utils answers a moment that is no due time
        // with the second pass of a time it skips from a due time (the second 02:00 of a nightly
        // 02:00 run, which a process starting at 02:20 CEST would run again): walk from before it
        Optional<ZonedDateTime> due = times.nextExecution(overlap.get().minusSeconds(1).atZone(zone));
        while (due.isPresent() && !due.get().isAfter(from)) {
            due = times.nextExecution(due.get());
        }
        return due;
    }

    /** The last run at or before {@code now}: the last that {@link #next} reaches. */
    Optional<ZonedDateTime> last(ZonedDateTime now) {
        ExecutionTime times = executionTime(cron);
        ZonedDateTime at = now.withZoneSameInstant(zone).withNano(0);
        Optional<ZonedDateTime> last = times.lastExecution(at.plusSeconds(1));
        Optional<Instant> overlap = last.flatMap(due -> overlapStart(due.toInstant()));
        if (overlap.isEmpty()) {
            return last;
        }
        // cron-utils may name the second pass of a time that was due only at its first (catch-up
        // would queue the night's run again as missed): the last due time walking from before it
        ZonedDateTime before = overlap.get().minusSeconds(1).atZone(zone);
        Optional<ZonedDateTime> found = times.lastExecution(before.plusSeconds(1));
        for (Optional<ZonedDateTime> due = times.nextExecution(before); due.isPresent() && !due.get().isAfter(at);
             due = times.nextExecution(due.get())) {
            found = due;
        }
        return found;
    }

    /**
     * Where the hour the clocks go back over begins, when {@code at} is within its two passes (the
     * first, before the clocks go back, and the second, after): due times there are found by
     * walking from before it.
     */
    private Optional<Instant> overlapStart(Instant at) {
        ZoneRules rules = zone.getRules();
        for (ZoneOffsetTransition change : new ZoneOffsetTransition[] {rules.previousTransition(at.plusSeconds(1)),
                rules.nextTransition(at)}) {
            if (change != null && change.isOverlap()) {
                Instant start = change.getInstant().minus(change.getDuration().negated());
                Instant end = change.getInstant().plus(change.getDuration().negated());
                if (!at.isBefore(start) && at.isBefore(end)) {
                    return Optional.of(start);
                }
            }
        }
        return Optional.empty();
    }

    private static ExecutionTime executionTime(String cron) {
        try {
            return ExecutionTime.forCron(PARSER.parse(cron));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad cron expression \"" + cron + "\": " + e.getMessage(), e);
        }
    }
}
