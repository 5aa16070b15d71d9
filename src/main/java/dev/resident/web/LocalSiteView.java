package dev.resident.web;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The admin view of a site of one process ({@code IPC_BACKEND=local}). */
public final class LocalSiteView implements SiteView {
    private final LocalAdmin local;
    private final String process;

    /**
     * @param process this process's name in the view ({@code single} when it has none)
     */
    public LocalSiteView(LocalAdmin local, String process) {
        this.local = local;
        this.process = process;
    }

    @Override
    public ObjectNode state(long now) {
        return AdminRows.single(process, local.state(now), local.health(now));
    }

    @Override
    public void dropPage(String pageId) {
        local.dropPage(pageId);
    }

    @Override
    public void dropSocket(String pageId) {
        local.dropSocket(pageId);
    }

    @Override
    public void drain(String name) {
        if (!process.equals(name)) {
            throw unknownProcess();
        }
        local.drain();
    }

    /** 404 {@code unknown_process}. */
    public static ApiError unknownProcess() {
        return new ApiError(404, "unknown_process", "no such process in this site");
    }
}
