package dev.resident.task.engine;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.ZoneId;
import java.time.ZonedDateTime;
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

    /** The first run strictly after {@code after} (due times are whole seconds). */
    Optional<ZonedDateTime> next(ZonedDateTime after) {
        return executionTime(cron).nextExecution(after.withZoneSameInstant(zone).withNano(0));
    }

    /** The last run at or before {@code now}. */
    Optional<ZonedDateTime> last(ZonedDateTime now) {
        return executionTime(cron).lastExecution(now.withZoneSameInstant(zone).withNano(0).plusSeconds(1));
    }

    private static ExecutionTime executionTime(String cron) {
        try {
            return ExecutionTime.forCron(PARSER.parse(cron));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad cron expression \"" + cron + "\": " + e.getMessage(), e);
        }
    }
}
