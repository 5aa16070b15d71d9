package dev.resident.load.soak;

import java.util.concurrent.atomic.LongAdder;

/** What the clients did, for the per-minute lines. */
final class Counters {
    final LongAdder pagesOpened = new LongAdder();
    final LongAdder pagesClosed = new LongAdder();
    final LongAdder socketsOpened = new LongAdder();
    final LongAdder rpcs = new LongAdder();
    final LongAdder logins = new LongAdder();
    final LongAdder logouts = new LongAdder();
    final LongAdder published = new LongAdder();
    final LongAdder dbeventsReceived = new LongAdder();
    final LongAdder notifiesReceived = new LongAdder();
}
