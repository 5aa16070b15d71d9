package dev.resident.task.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.ops.Timers;
import dev.resident.page.PageException;
import dev.resident.page.Params;
import dev.resident.page.engine.CpuPool;
import dev.resident.page.engine.JobSubmitter;
import dev.resident.task.TaskType;
import dev.resident.task.TaskTypes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The task engine of one process: checks and queues what pages submit, runs this process's
 * workers, answers cancel and look-up requests. Jobs go through the first {@link Lane} that takes
 * them (JetStream, then the in-process fallback when NATS cannot be reached and that is allowed).
 */
public final class TaskEngine implements JobSubmitter, AutoCloseable {
    /** The user of scheduled jobs. */
    public static final String SCHEDULER = "scheduler";
    /**
     * The share of the queue the schedule's runs take: a guest's name that no login can take and no
     * client address makes, so that no user named {@link #SCHEDULER} fills it.
     */
    private static final String SCHEDULE_QUOTA = JobSpec.guestQuota("schedule");
    private final TaskSettings settings;
    private final TaskTypes types;
    private final TaskMeters meters;
    private final List<Lane> lanes = new CopyOnWriteArrayList<>();
    private final Timers timer;
    private final CpuPool cpu;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Scheduler scheduler;

    /**
     * @param cpu    the process's CPU pool, for {@code compute} in tasks (its owner closes it)
     * @param timers the process's timers, for coalesced progress (its owner closes them)
     */
    public TaskEngine(TaskSettings settings, TaskTypes types, TaskMeters meters, CpuPool cpu, Timers timers) {
        this.settings = settings;
        this.timer = timers;
        this.types = types;
        this.meters = meters;
        this.cpu = cpu;
        meters.gauge("resident.tasks.running", "jobs running in this process",
                () -> lanes.stream().mapToInt(lane -> lane.runner().runningCount()).sum());
        meters.gauge("resident.tasks.queued", "jobs waiting for a worker (NATS: in the site's stream, running ones "
                + "included); NaN while the site's queue cannot be counted", this::queued);
    }

    /** Jobs waiting in every lane, or NaN while one of them cannot be counted. */
    private double queued() {
        long total = 0;
        for (Lane lane : lanes) {
            long waiting = lane.queue().waiting();
            if (waiting < 0) {
                return Double.NaN;
            }
            total += waiting;
        }
        return total;
    }

    /** The in-process lane: jobs in this process's memory, delivered straight to its pages. */
    public TaskEngine addLocalLane(PageDelivery pages) {
        LocalJobStore store = new LocalJobStore(settings);
        JobEvents events = status -> {
            if (!status.pageId().isEmpty()) {
                pages.deliver(status.pageId(), status.user(), status.messageTail());
            }
        };
        return addLane("local", new LocalJobQueue(settings), store, events);
    }

    /** Adds a lane and starts its workers; lanes are tried in the order they were added. */
    public TaskEngine addLane(String name, JobQueue queue, JobStore store, JobEvents events) {
        JobRunner runner = new JobRunner(types, store, events, meters, cpu, settings, timer);
        lanes.add(new Lane(name, queue, store, events, runner));
        queue.start(runner);
        return this;
    }

    /** Sets the scheduler of {@code resident.tasks.schedule}; it starts with {@link #startSchedule()}. */
    public TaskEngine scheduler(Scheduler next) {
        this.scheduler = next;
        return this;
    }

    /** Starts the schedules; call once the application's task types are registered. */
    public void startSchedule() {
        if (scheduler != null) {
            scheduler.start();
        }
    }

    /** Closes {@code resource} (a connection the engine's lanes use) after the lanes. */
    public TaskEngine closeAlso(AutoCloseable resource) {
        resources.add(resource);
        return this;
    }

    public TaskSettings settings() {
        return settings;
    }

    public TaskMeters meters() {
        return meters;
    }

    @Override
    public String submit(String pageId, String user, String address, String type, JsonNode params) {
        TaskType task = types.find(type)
                .orElseThrow(() -> new PageException(404, "unknown_task", "no task type " + type));
        Params checked = Params.of(params);
        String encoded = Json.write(checked.node());
        if (encoded.getBytes(StandardCharsets.UTF_8).length > settings.maxParams()) {
            throw PageException.unprocessable("params larger than " + settings.maxParams() + " bytes");
        }
        task.check().check(checked);
        if (lanes.isEmpty()) {
            meters.rejected.increment();
            throw new PageException(503, "unavailable", "the task queue cannot be reached");
        }
        JobSpec spec = new JobSpec(Ids.newId(), type, user, quota(user, address), pageId, encoded, System.currentTimeMillis());
        JobEvents first = lanes.get(0).events();
        first.send(JobStatus.queued(spec)); // before any worker can report on it
        PageException refused = null;
        for (int i = 0; i < lanes.size(); i++) {
            Lane lane = lanes.get(i);
            try {
                enqueue(lane, spec);
                meters.submitted.increment();
                if (i > 0) {
                    meters.fallbacks.increment();
                }
                return spec.jobId();
            } catch (PageException e) {
                refused = e;
                boolean fallBack = e.status() == 503 && settings.fallbackLocal();
                if (!fallBack) {
                    break;
                }
            }
        }
        meters.rejected.increment();
        PageException answer = refused != null ? refused : new PageException(503, "unavailable", "no task queue");
        first.send(JobStatus.queued(spec).failed(answer.code(), answer.getMessage(), null));
        throw answer;
    }

    /**
     * A user's jobs take the user's share of the queue. A guest is a new user with each session, and
     * one client may open sessions by the hundred: its jobs take the share of its address, and a
     * guest's whose address is not known, one share for all such guests.
     */
    private static String quota(String user, String address) {
        if (!Ids.isGuestUser(user)) {
            return user;
        }
        return JobSpec.guestQuota(address != null ? address : "unknown");
    }

    /**
     * Queues the run of {@code schedule} due at {@code due} (epoch millis) unless some process
     * of the site already did. Its params get {@code scheduled_at} (ISO-8601) unless they have one.
     * It never falls back to the in-process queue: every process would run it then.
     *
     * @return whether this call queued it
     * @throws PageException when the queue cannot take it (the run is lost; it is logged)
     */
    public boolean submitScheduled(Schedule schedule, long due) {
        ObjectNode params = schedule.params().deepCopy();
        if (!params.has("scheduled_at")) {
            params.put("scheduled_at", Instant.ofEpochMilli(due).toString());
        }
        JobSpec spec = new JobSpec(scheduledId(schedule.name(), due), schedule.type(), SCHEDULER, SCHEDULE_QUOTA, "",
                Json.write(params), System.currentTimeMillis());
        if (types.find(schedule.type()).isEmpty()) {
            throw new PageException(404, "unknown_task", "no task type " + schedule.type());
        }
        if (lanes.isEmpty()) {
            throw new PageException(503, "unavailable", "the task queue cannot be reached");
        }
        Lane lane = lanes.get(0);
        if (!lane.store().create(JobStatus.queued(spec))) {
            return false;
        }
        try {
            lane.queue().enqueue(spec);
        } catch (PageException e) {
            lane.store().remove(spec.jobId());
            throw e;
        }
        meters.submitted.increment();
        return true;
    }

    /** The same id in every process for one run of a schedule. */
    static String scheduledId(String schedule, long due) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((schedule + "@" + due).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Cancels a job of {@code user} (any job for an admin): a queued one never starts, a running
     * one sees {@code isCancelled()}.
     *
     * @throws PageException 404 {@code unknown_job} (also for another user's job), 409 {@code job_finished}
     */
    public JobStatus cancel(String jobId, String user, boolean admin) {
        Found found = find(jobId, user, admin);
        if (found.status.state().finished()) {
            throw new PageException(409, "job_finished", "the job has already " + found.status.state().wire());
        }
        Optional<JobStatus> queued = found.lane.store().update(jobId,
                s -> s.state() == JobState.QUEUED ? s.cancelled() : null);
        if (queued.isPresent()) {
            meters.cancelled.increment();
            found.lane.queue().withdraw(jobId, queued.get().quota()); // its place comes back now
            found.lane.events().send(queued.get());
            return queued.get();
        }
        // a cancel already on record is not written again, nor told to every process again: repeated
        // cancels cost one read each (a process that missed the message reads the record itself)
        boolean recorded = found.lane.store().update(jobId, s -> s.state() == JobState.RUNNING && !s.cancelRequested()
                ? s.withCancelRequested() : null).isPresent();
        if (!found.lane.runner().cancelRunning(jobId) && recorded
                && found.lane.queue() instanceof CancelBroadcast others) {
            others.cancelRunning(jobId); // it runs in another process
        }
        return found.lane.store().get(jobId).orElse(found.status);
    }

    @Override
    public JsonNode follow(String pageId, String user, String jobId) {
        Found found = find(jobId, user, false);
        JobStatus now = found.lane.store().update(jobId, s -> s.movedTo(pageId)).orElse(found.status);
        return Json.parse("{" + now.messageTail());
    }

    /**
     * A job of {@code user} (any job for an admin; the schedule's runs only for an admin, whatever
     * a user is named). @throws PageException 404 {@code unknown_job}
     */
    public JobStatus status(String jobId, String user, boolean admin) {
        return find(jobId, user, admin).status;
    }

    /** The admin view's {@code jobs}: not finished, and finished in the kept time, newest first. */
    public ObjectNode adminState(int maxRows) {
        List<JobStatus> all = new ArrayList<>();
        lanes.forEach(lane -> all.addAll(lane.store().recent()));
        all.sort(Comparator.comparingLong(JobStatus::submittedAt).reversed());
        ObjectNode state = Json.object();
        ObjectNode counts = state.putObject("counts");
        for (JobState s : JobState.values()) {
            counts.put(s.wire(), all.stream().filter(job -> job.state() == s).count());
        }
        state.set("schedule", scheduler == null ? Json.array() : scheduler.adminState());
        ArrayNode rows = state.putArray("list");
        all.stream().limit(maxRows).forEach(job -> {
            ObjectNode row = job.json();
            row.remove("result");
            row.remove("page_id");
            row.remove("quota"); // a guest's names its client address
            rows.add(row);
        });
        return state;
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
        lanes.forEach(lane -> lane.runner().stopping());
        for (int i = lanes.size() - 1; i >= 0; i--) {
            lanes.get(i).close();
        }
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
        meters.close();
    }

    /**
     * Counts the submit against its quota's {@code max-jobs-per-user-per-window} (also when the
     * queue then refuses it: its record was made and removed, which leaves an entry in the site's
     * bucket until it expires), then makes the job's record and queues it. The schedule's runs do not
     * come this way ({@link #submitScheduled}): they are not counted.
     */
    private void enqueue(Lane lane, JobSpec spec) {
        if (!lane.store().takeSubmit(spec.quota())) {
            throw PageException.rateLimited("too many jobs submitted: " + settings.maxJobsPerUserPerWindow()
                    + " a user within resident.tasks.keep-finished at most (resident.tasks.max-jobs-per-user-per-window);"
                    + " try again later");
        }
        lane.store().create(JobStatus.queued(spec)); // a fresh random id: it cannot exist
        try {
            lane.queue().enqueue(spec);
        } catch (PageException e) {
            lane.store().remove(spec.jobId());
            throw e;
        }
    }

    private Found find(String jobId, String user, boolean admin) {
        if (jobId == null || !Ids.isWellFormed(jobId) || jobId.contains("|")) {
            throw unknownJob();
        }
        PageException unreachable = null;
        for (Lane lane : lanes) {
            Optional<JobStatus> status;
            try {
                status = lane.store().get(jobId);
            } catch (PageException e) {
                unreachable = e; // its store is unreachable: the job may be in the next lane
                continue;
            }
            if (status.isPresent()) {
                if (admin || ownedBy(status.get(), user)) {
                    return new Found(lane, status.get());
                }
                throw unknownJob(); // job ids are unique across lanes
            }
        }
        // not found, but a store out of reach (NATS restarting) may hold it: 503, asked again, not
        // 404, which tells a page checking its job after a resync that the job is gone for good
        throw unreachable != null ? unreachable : unknownJob();
    }

    /** Whether {@code user} owns the job: a user named like the schedule's owner does not own its runs. */
    private static boolean ownedBy(JobStatus status, String user) {
        return status.user().equals(user) && !SCHEDULER.equals(status.user());
    }

    private static PageException unknownJob() {
        return new PageException(404, "unknown_job", "unknown job");
    }

    private record Found(Lane lane, JobStatus status) {
    }
}
