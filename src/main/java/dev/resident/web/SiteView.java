package dev.resident.web;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the admin view shows and acts on: this process alone ({@link LocalSiteView}, {@code
 * IPC_BACKEND=local}) or every live process of the site ({@code dev.resident.site}, over NATS).
 * Failures are thrown as {@link ApiError} or {@link dev.resident.page.PageException}.
 */
public interface SiteView {

    /**
     * {@code {"now","counts","processes","users","connections","pages"}}: each row carries its
     * {@code process}; a process that did not answer is listed with {@code "status":"missing"}.
     */
    ObjectNode state(long now);

    /** Drops a page wherever it lives (its socket closes with 4404); 404 {@code unknown_page}. */
    void dropPage(String pageId);

    /** Closes a page's socket with 1001 wherever it lives; 404 {@code unknown_page} or {@code no_socket}. */
    void dropSocket(String pageId);

    /** Drains a process (ready DOWN: no new browsers; those it has go on until it stops); 404 {@code unknown_process}. */
    void drain(String process);

    /** This process stops, its pages handed over: the other processes forget it at once rather than show it missing. */
    default void leave() {
    }
}
