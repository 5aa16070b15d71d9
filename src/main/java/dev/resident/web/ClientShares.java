package dev.resident.web;

import io.helidon.webserver.http.ServerRequest;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A budget of bytes that the requests of every client share, one client address holding at most
 * its share of it: past the budget a request gets 503 {@code unavailable} (with
 * {@code Retry-After}), past its address's share 429 {@code rate_limited}. What the request bodies
 * hold in the heap is one ({@link Bodies}), what waits on disk between the legacy app and its clients another.
 * A client's address is looked up only once it holds some.
 */
public final class ClientShares {
    private final String what;
    private final long budget;
    private final long perAddress;
    private final int maxTracked;
    private final ClientAddress addresses;
    private final AtomicLong held = new AtomicLong();
    /** What each client address holds now; an address holding nothing is not kept. */
    private final ConcurrentHashMap<String, Long> byAddress = new ConcurrentHashMap<>();

    /**
     * @param what       what is held, in the refusals' messages ({@code "large request bodies"})
     * @param budget     what all clients together may hold
     * @param perAddress what one client address may hold of it
     * @param maxTracked addresses holding some at once, at most (beyond, a new one waits: 503)
     */
    ClientShares(String what, long budget, long perAddress, int maxTracked, ClientAddress addresses) {
        this.what = what;
        this.budget = budget;
        this.perAddress = perAddress;
        this.maxTracked = maxTracked;
        this.addresses = addresses;
    }

    /** A count, holding nothing yet, for the client of {@code req}. Close it when what it holds is gone. */
    public Count count(ServerRequest req) {
        return new Count(() -> addresses.of(req));
    }

    /** A count, holding nothing yet, for a client whose address {@code client} tells when asked. */
    Count count(Supplier<String> client) {
        return new Count(client);
    }

    /** What all counts hold now. */
    public long held() {
        return held.get();
    }

    /** What one request (or socket) of one client holds, until it is closed. */
    public final class Count implements AutoCloseable {
        private final Supplier<String> client;
        private long counted;
        /** The client's address, once it holds some. */
        private String address;

        private Count(Supplier<String> client) {
            this.client = client;
        }

        /**
         * Holds {@code bytes} from now on, in place of what it held.
         *
         * @throws ApiError 503 past the budget, 429 past the address's share; what it holds is then unchanged
         */
        public void hold(long bytes) {
            long more = bytes - counted;
            if (more == 0) {
                return;
            }
            if (address == null) {
                address = client.get();
            }
            if (more > 0) {
                takeForAddress(more);
                if (held.addAndGet(more) > budget) {
                    held.addAndGet(-more);
                    giveForAddress(more);
                    throw ApiError.unavailable("the server holds too many " + what + "; try again").retryAfter(1);
                }
            } else {
                held.addAndGet(more);
                giveForAddress(-more);
            }
            counted = bytes;
        }

        private void takeForAddress(long more) {
            ApiError[] refused = new ApiError[1];
            byAddress.compute(address, (a, holds) -> {
                if (holds == null && byAddress.size() >= maxTracked) {
                    refused[0] = ApiError.unavailable("too many client addresses holding " + what).retryAfter(1);
                    return null;
                }
                long now = holds == null ? 0 : holds;
                if (now + more > perAddress) {
                    refused[0] = ApiError.rateLimited("too many " + what + " from your address; try again", 1);
                    return holds;
                }
                return now + more;
            });
            if (refused[0] != null) {
                throw refused[0];
            }
        }

        private void giveForAddress(long less) {
            byAddress.computeIfPresent(address, (a, holds) -> holds - less <= 0 ? null : holds - less);
        }

        /** What it holds is gone. */
        @Override
        public void close() {
            if (counted > 0) {
                held.addAndGet(-counted);
                giveForAddress(counted);
                counted = 0;
            }
        }
    }
}
