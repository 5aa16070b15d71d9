package dev.resident.bus.nats;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How this process uses NATS (the {@code ipc.nats} config node). Build it with {@link #builder};
 * every setting but the process id has a default.
 *
 * @param servers          server URLs ({@code NATS_URL}); the client picks any and fails over
 * @param prefix           first subject tokens, so several sites can share one NATS
 * @param process          this process's origin id, unique in the site: messages carrying it are
 *                         its own and are skipped when NATS brings them back
 * @param credentials      path of a {@code .creds} file (JWT + nkey), or empty
 * @param user             user name, or empty; needs {@code password}
 * @param password         password of {@code user}
 * @param token            authentication token, or empty
 * @param connectTimeout   limit of one connection attempt
 * @param reconnectWait    first pause between rounds of reconnect attempts; doubles each round
 * @param reconnectMaxWait the pause stops doubling here; reconnecting never gives up
 * @param reconnectJitter  random extra pause, so processes do not reconnect in lockstep
 * @param reconnectBuffer  bytes of messages kept for NATS while it cannot be reached; beyond that
 *                         they are dropped (counted)
 * @param resubscribeGrace after a reconnect, how long the buffered messages wait so the other
 *                         processes, which reconnect on the same schedule, have subscribed again
 * @param pendingMessages  received messages waiting for delivery beyond which NATS messages are
 *                         dropped as a slow consumer
 * @param pendingBytes     the same limit in bytes
 * @param drainTimeout     how long closing waits for in-flight messages
 */
public record NatsSettings(List<String> servers, String prefix, String process,
                           String credentials, String user, String password, String token,
                           Duration connectTimeout, Duration reconnectWait, Duration reconnectMaxWait,
                           Duration reconnectJitter, long reconnectBuffer, Duration resubscribeGrace,
                           long pendingMessages, long pendingBytes, Duration drainTimeout) {
    /** Whether this process logs in to NATS (a credentials file, a user and password, a token, or a server URL's user info). */
    public boolean logsIn() {
        return !credentials.isEmpty() || !user.isEmpty() || !token.isEmpty()
                || servers.stream().anyMatch(url -> !shown(url).equals(url));
    }

    /** The server URLs as they may be logged: a login written in one ({@code nats://user:password@host}) hidden. */
    public List<String> shownServers() {
        return servers.stream().map(NatsSettings::shown).toList();
    }

    /** {@code url} with its user info, if any, replaced by {@code ***}. */
    public static String shown(String url) {
        return USER_INFO.matcher(url).replaceFirst("$1***@");
    }

    public static final String DEFAULT_URL = "nats://127.0.0.1:4222";
    /** The user info of a URL: what comes between its scheme and an {@code @} before its host ends. */
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@");
    public static final String DEFAULT_PREFIX = "resident";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RECONNECT_WAIT = Duration.ofMillis(250);
    public static final Duration DEFAULT_RECONNECT_MAX_WAIT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RECONNECT_JITTER = Duration.ofMillis(250);
    public static final long DEFAULT_RECONNECT_BUFFER = 8L << 20;
    public static final long DEFAULT_PENDING_MESSAGES = 65_536;
    public static final long DEFAULT_PENDING_BYTES = 64L << 20;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /** Dot-separated tokens without wildcards or white space. */
    private static final Pattern SUBJECT = Pattern.compile("[^.*>\\s]+(\\.[^.*>\\s]+)*");

    public NatsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(process, "process");
        credentials = Objects.requireNonNullElse(credentials, "");
        user = Objects.requireNonNullElse(user, "");
        password = Objects.requireNonNullElse(password, "");
        token = Objects.requireNonNullElse(token, "");
        if (servers.isEmpty() || servers.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("ipc.nats.url needs at least one server URL");
        }
        if (!SUBJECT.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "ipc.nats.prefix must be dot-separated tokens without * > or spaces: " + prefix);
        }
        if (process.isEmpty()) {
            throw new IllegalArgumentException("the process id must not be empty");
        }
        if (user.isEmpty() != password.isEmpty()) {
            throw new IllegalArgumentException("ipc.nats.user and ipc.nats.password go together");
        }
        int methods = (credentials.isEmpty() ? 0 : 1) + (user.isEmpty() ? 0 : 1) + (token.isEmpty() ? 0 : 1);
        if (methods > 1) {
            throw new IllegalArgumentException("choose one of ipc.nats.credentials, ipc.nats.user or ipc.nats.token");
        }
        positive(connectTimeout, "connect-timeout");
        positive(reconnectWait, "reconnect.wait");
        positive(drainTimeout, "drain-timeout");
        if (reconnectMaxWait.compareTo(reconnectWait) < 0) {
            throw new IllegalArgumentException("ipc.nats.reconnect.max-wait must not be below reconnect.wait");
        }
        if (reconnectJitter.isNegative() || resubscribeGrace.isNegative()) {
            throw new IllegalArgumentException("ipc.nats.reconnect jitter and grace must not be negative");
        }
        if (reconnectBuffer < 0 || pendingMessages <= 0 || pendingBytes <= 0) {
            throw new IllegalArgumentException("ipc.nats reconnect.buffer must be >= 0 and pending limits > 0");
        }
    }

    /** Settings with defaults for everything but the process id (see {@link NatsSettings}). */
    public static Builder builder(String process) {
        return new Builder(process);
    }

    /** Keeps secrets out of logs. */
    @Override
    public String toString() {
        return "NatsSettings[servers=" + shownServers() + ", prefix=" + prefix + ", process=" + process
                + ", auth=" + (!credentials.isEmpty() ? "credentials " + credentials
                : !user.isEmpty() ? "user " + user : !token.isEmpty() ? "token" : logsIn() ? "in the URL" : "none") + "]";
    }

    private static void positive(Duration duration, String name) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("ipc.nats." + name + " must be positive");
        }
    }

    /** Collects settings; {@link #build()} fills the defaults and checks them together. */
    public static final class Builder {
        private final String process;
        private List<String> servers = List.of(DEFAULT_URL);
        private String prefix = DEFAULT_PREFIX;
        private String credentials = "";
        private String user = "";
        private String password = "";
        private String token = "";
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration reconnectWait = DEFAULT_RECONNECT_WAIT;
        private Duration reconnectMaxWait = DEFAULT_RECONNECT_MAX_WAIT;
        private Duration reconnectJitter = DEFAULT_RECONNECT_JITTER;
        private long reconnectBuffer = DEFAULT_RECONNECT_BUFFER;
        private Duration resubscribeGrace;
        private long pendingMessages = DEFAULT_PENDING_MESSAGES;
        private long pendingBytes = DEFAULT_PENDING_BYTES;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

        private Builder(String process) {
            this.process = process;
        }

        public Builder servers(List<String> servers) {
            this.servers = servers;
            return this;
        }

        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        public Builder credentials(String path) {
            this.credentials = path;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public Builder reconnectWait(Duration wait) {
            this.reconnectWait = wait;
            return this;
        }

        public Builder reconnectMaxWait(Duration maxWait) {
            this.reconnectMaxWait = maxWait;
            return this;
        }

        public Builder reconnectJitter(Duration jitter) {
            this.reconnectJitter = jitter;
            return this;
        }

        public Builder reconnectBuffer(long bytes) {
            this.reconnectBuffer = bytes;
            return this;
        }

        /** Defaults to the longest reconnect pause (max wait + jitter) plus one second. */
        public Builder resubscribeGrace(Duration grace) {
            this.resubscribeGrace = grace;
            return this;
        }

        public Builder pendingMessages(long messages) {
            this.pendingMessages = messages;
            return this;
        }

        public Builder pendingBytes(long bytes) {
            this.pendingBytes = bytes;
            return this;
        }

        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = timeout;
            return this;
        }

        /** @throws IllegalArgumentException when settings are missing, out of range or contradict each other */
        public NatsSettings build() {
            Duration grace = resubscribeGrace != null ? resubscribeGrace
                    : reconnectMaxWait.plus(reconnectJitter).plusSeconds(1);
            return new NatsSettings(servers, prefix, process, credentials, user, password, token, connectTimeout,
                    reconnectWait, reconnectMaxWait, reconnectJitter, reconnectBuffer, grace,
                    pendingMessages, pendingBytes, drainTimeout);
        }
    }
}
