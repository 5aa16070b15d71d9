package dev.resident.task.engine;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/** The due time of each schedule's last run, so missed runs can be found at start. */
public interface ScheduleMarks {

    OptionalLong lastDue(String schedule);

    /** Records {@code due} unless a later one is already recorded. */
    void recordDue(String schedule, long due);

    /** In this process's memory: a single process cannot know what it missed while it was down. */
    static ScheduleMarks inMemory() {
        ConcurrentHashMap<String, Long> marks = new ConcurrentHashMap<>();
        return new ScheduleMarks() {
            @Override
            public OptionalLong lastDue(String schedule) {
                Long due = marks.get(schedule);
                return due == null ? OptionalLong.empty() : OptionalLong.of(due);
            }

            @Override
            public void recordDue(String schedule, long due) {
                marks.merge(schedule, due, Math::max);
            }
        };
    }
}
