package dev.resident.task.engine;

/** A queue whose jobs run in other processes too: it can tell them that a job was cancelled. */
public interface CancelBroadcast {

    void cancelRunning(String jobId);
}
