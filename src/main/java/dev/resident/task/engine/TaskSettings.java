package dev.resident.task.engine;

import java.time.Duration;

/**
 * How this process queues and runs tasks (the {@code resident.tasks} config node).
 *
 * @param workers          tasks this process runs at once (0: it runs none, it only submits)
 * @param queue            jobs the in-process queue holds; beyond, submit answers 429 {@code rate_limited}
 * @param maxJobsPerUser   jobs of one user queued or running at once, in the site's queue or this process's;
 *                         beyond, submit answers 429 {@code rate_limited}, so one user cannot fill the queue
 * @param progressPerSecond progress messages per second and job the page gets at most (the latest wins)
 * @param maxParams        bytes of a job's encoded params; beyond, 422
 * @param maxResult        bytes of a job's encoded result; beyond, the job fails with {@code result_too_large}
 * @param keepFinished     how long finished jobs stay visible (admin view, {@code GET /_/jobs/{id}})
 * @param maxJobs          jobs this process remembers at most; the oldest finished are forgotten first
 * @param maxKeptResults   bytes that the results of the finished jobs this process remembers may hold
 *                         together (two a char); beyond, the oldest finished are forgotten first
 * @param maxStoreBytes    bytes the site's job records may hold in NATS (their KV bucket), which shares
 *                         JetStream's storage with the sessions: beyond, a job whose result does not fit
 *                         ends {@code failed} with {@code result_not_kept}, and submits are refused
 * @param maxResultBytesPerUser bytes that the results of one user's jobs (one address's, for guests) may
 *                         hold in the job store: beyond, its job ends {@code failed} with
 *                         {@code result_not_kept}, and the other users' results are not pushed out
 * @param maxJobsPerUserPerWindow jobs one user (one address, for guests) may submit within a {@code
 *                         keepFinished} window and the one before, in the site's job store over NATS or this
 *                         process's: beyond, submit answers 429 {@code rate_limited} and no record is made, so
 *                         that one client's finished jobs cannot fill the store (the schedule's runs are not
 *                         counted)
 * @param maxDeliveries    runs of a job whose worker died before it ends {@code failed} (NATS backend)
 * @param ackWait          how long the NATS queue waits for a sign of life before redelivering a job
 * @param fallbackLocal    when NATS cannot take a job: true runs it in this process, false answers 503
 * @param natsTimeout      longest wait for one JetStream call (publish, KV); never hangs beyond
 */
public record TaskSettings(int workers, int queue, int maxJobsPerUser, int progressPerSecond, int maxParams, int maxResult,
                           Duration keepFinished, int maxJobs, long maxKeptResults, long maxStoreBytes,
                           long maxResultBytesPerUser, int maxJobsPerUserPerWindow, int maxDeliveries,
                           Duration ackWait,
                           boolean fallbackLocal, Duration natsTimeout) {

    public TaskSettings {
        if (workers < 0 || queue < 1 || maxJobsPerUser < 1 || progressPerSecond < 1 || maxParams < 2 || maxResult < 4 || maxJobs < 1
                || maxDeliveries < 1 || maxKeptResults < 2L * maxResult || maxStoreBytes < 2L * maxResult
                || maxResultBytesPerUser < maxResult || maxJobsPerUserPerWindow < 1) {
            throw new IllegalArgumentException("resident.tasks: workers >= 0, queue, max-jobs-per-user, progress-per-second, "
                    + "max-params, max-result, max-jobs, max-jobs-per-user-per-window and max-deliveries >= 1, "
                    + "max-kept-results and max-store-bytes >= 2 x max-result, max-result-bytes-per-user >= max-result");
        }
        if (ackWait.toMillis() < 1000 || natsTimeout.toMillis() < 1 || keepFinished.isNegative()) {
            throw new IllegalArgumentException("resident.tasks: ack-wait >= 1s, nats-timeout > 0, keep-finished >= 0");
        }
    }
}
