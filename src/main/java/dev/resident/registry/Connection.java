package dev.resident.registry;

import dev.resident.id.Ids;
import dev.resident.page.engine.ResidentPage;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * One browser session: its session id (the {@code rsd_cid} cookie, replaced at login and logout),
 * a stable internal key that its pages refer to and that never leaves the server,
 * its user, and the pages it has in this process.
 */
public final class Connection {
    private final String key;
    private final Set<ResidentPage> pages = ConcurrentHashMap.newKeySet();
    private final long createdAt;
    /** Pages being opened for this connection (their open hooks running). */
    private final AtomicInteger opening = new AtomicInteger();
    private volatile String id;
    private volatile Identity identity;
    private volatile long lastSeen;
    /** When the stored copy last got this connection's {@link #lastSeen}. */
    private volatile long savedSeen;
    /** Revision of the stored copy this process last wrote or read (0: none). */
    private volatile long revision;
    /** When this process last checked its copy against the store. */
    private volatile long checkedAt;
    /** When a session it follows last proved its identity here ({@link SessionAuthenticator}), or it was loaded. */
    private volatile long provenAt;
    /**
     * The {@link SessionAuthenticator#fingerprint} of the session that last proved an identity here,
     * with that identity (one write: requests of two sessions may prove in any order); null: none.
     */
    private volatile Proof proof;
    /** While a guest's: the client address it was made from, or first opened a page from ({@link LiveShares}). */
    private volatile String addressShare;
    /** Whether its id was last issued over HTTPS, as a {@code __Host-} cookie that no other host can plant. */
    private volatile boolean boundToHostCookie;
    /**
     * Who holds it now, as a token that changes whenever a user's session goes to someone else (a
     * logout, another user's login): its saved pages carry it, and a saved page of another tenure
     * is never continued for it ({@link DurablePages#adopt}); its {@code Store} is kept under it, and
     * a page writes the store of the tenure it was made under, for its life. A guest's login keeps it.
     */
    private volatile String tenure = Ids.newId();
    /** The tenure this process last moved it on from ({@link #newTenure}, {@link #followTenure}); null: none since its copy was read. */
    private volatile String switchedFrom;
    /** The tenure it last left here, with who held it then ({@link #userUnder}); null: none. */
    private volatile Left left;

    Connection(String id, String key, Identity identity, long createdAt, long lastSeen) {
        this.id = id;
        this.key = key;
        this.identity = identity;
        this.createdAt = createdAt;
        this.lastSeen = lastSeen;
        this.savedSeen = lastSeen;
        this.checkedAt = System.currentTimeMillis();
        this.provenAt = checkedAt;
    }

    /** The session id, as in the cookie. */
    public String id() {
        return id;
    }

    void id(String id) {
        this.id = id;
    }

    /**
     * Whether its id names it only when it comes back as a {@code __Host-} cookie: the id was last
     * issued over HTTPS, where a cookie of that name is set by this host alone, while any host of
     * the domain can plant a plain one (cookie tossing).
     */
    public boolean boundToHostCookie() {
        return boundToHostCookie;
    }

    void boundToHostCookie(boolean bound) {
        this.boundToHostCookie = bound;
    }

    /**
     * The share its pages count against ({@link LiveShares}): its user's when logged in, else its
     * client address's; null for a guest's connection whose address is not known yet (continued
     * from a stored copy of an earlier version, no page opened or continued since).
     */
    public String share() {
        Identity who = identity;
        return who.guest() ? addressShare : LiveShares.ofUser(who.user());
    }

    /**
     * Records the client address a guest's connection was made from, unless one is known: whether
     * it did (its stored copy should learn it).
     */
    synchronized boolean claimAddress(String addressKey) {
        if (addressShare == null) {
            addressShare = LiveShares.ofAddress(addressKey);
            return true;
        }
        return false;
    }

    /** The client address share recorded for it as a guest's connection, or null. */
    String addressShare() {
        return addressShare;
    }

    /** Takes the address share its stored copy recorded, unless one is known here. */
    synchronized void restoreAddressShare(String share) {
        if (addressShare == null && share != null) {
            addressShare = share;
        }
    }

    /** Who holds it now: changed when a user's session goes to someone else (never sent to a client). */
    String tenure() {
        return tenure;
    }

    /** Takes the tenure of its stored copy. */
    void tenure(String tenure) {
        if (!tenure.equals(this.tenure)) {
            leave();
        }
        this.tenure = tenure;
        this.switchedFrom = null;
    }

    /**
     * Who held it under {@code tenure}: its user while the tenure holds it (a guest's login within
     * the tenure: the user who logged in); once it moved on, the user it had when it left that
     * tenure, if that is the one it last left here; else null (an older tenure: nobody known).
     * Never the next holder: every change of holder moves the tenure on before the identity.
     */
    String userUnder(String tenure) {
        String user = identity.user(); // before the tenure: a new holder's is set after it
        if (this.tenure.equals(tenure)) {
            return user;
        }
        Left last = left;
        return last != null && last.tenure().equals(tenure) ? last.user() : null;
    }

    /** Keeps the tenure it is leaving and its user: before the tenure moves on, so no reader misses both. */
    private void leave() {
        this.left = new Left(tenure, identity.user());
    }

    /** The tenure this process moved it on from since its copy was last read, or null. */
    String switchedFrom() {
        return switchedFrom;
    }

    /** A user's session goes to someone else: what was saved under the old holder is no longer theirs. */
    void newTenure() {
        leave();
        this.switchedFrom = tenure;
        this.tenure = Ids.newId();
    }

    /**
     * A user's session goes to {@code nextUser} under the same id (a followed session's switch,
     * which each process holding the session makes at its next request there): the tenure after
     * this one is made from the key, this tenure and the next user, so that they all give it the
     * same one, and the next user one store.
     */
    void followTenure(String nextUser) {
        leave();
        this.switchedFrom = tenure;
        this.tenure = Ids.derived("tenure", key, tenure, nextUser);
    }

    /**
     * The guest that a followed session becomes when its user leaves it, made from the key and the
     * tenure: the same on every process that makes the switch (a random one on each would make the
     * session flap between them).
     */
    Identity guestAfterTenure() {
        return new Identity(Ids.guestUser(Ids.derived("guest", key, tenure)), true, Set.of());
    }

    /** The internal key its pages refer to (never sent to a client). */
    public String key() {
        return key;
    }

    public String user() {
        return identity.user();
    }

    public Identity identity() {
        return identity;
    }

    /**
     * Whether the session is, when asked, still the one a request carried: the id of its cookie
     * ({@code carriedId}), with the identity it has now. A login, a logout or another identity
     * assumed changes one of them, and whatever was asked for before (a waiting call, a poll, a
     * socket) must not go on as whoever holds the session then. Compared with the id the request
     * carried, not the one the session has when this is called: a login between the request's
     * lookup and this call (its old id still finds the session for a while) is never taken for
     * the request's own. False from the start when the id moved on already.
     */
    public BooleanSupplier unchangedSince(String carriedId) {
        Identity identityNow = identity; // read before the id: a login changes the id first
        if (carriedId == null || !carriedId.equals(id)) {
            return () -> false;
        }
        return () -> carriedId.equals(id) && identityNow.equals(identity);
    }

    /**
     * Its identity, if the session still goes by {@code carriedId}: read before the id, as in
     * {@link #unchangedSince}, so a login that replaced the id after the request's lookup never
     * lends the request the identity it brought.
     */
    public Optional<Identity> identityUnder(String carriedId) {
        Identity identityNow = identity;
        return carriedId != null && carriedId.equals(id) ? Optional.of(identityNow) : Optional.empty();
    }

    void identity(Identity identity) {
        this.identity = identity;
    }

    public Collection<ResidentPage> pages() {
        return pages;
    }

    Set<ResidentPage> pageSet() {
        return pages;
    }

    /**
     * Takes a place for a page about to be opened, when the connection's pages and those being
     * opened stay within {@code max}: opens at once cannot all pass a check made before their open
     * hooks ran. Give it back with {@link #pageOpened}, once the page is added (or failed).
     */
    boolean reservePage(int max) {
        if (opening.incrementAndGet() + pages.size() > max) {
            opening.decrementAndGet();
            return false;
        }
        return true;
    }

    void pageOpened() {
        opening.decrementAndGet();
    }

    public long createdAt() {
        return createdAt;
    }

    public long lastSeen() {
        return lastSeen;
    }

    /** Marks the connection seen at {@code now} (millis). */
    void touch(long now) {
        lastSeen = now;
    }

    long savedSeen() {
        return savedSeen;
    }

    void savedSeen(long savedSeen) {
        this.savedSeen = savedSeen;
    }

    long revision() {
        return revision;
    }

    void revision(long revision) {
        this.revision = revision;
    }

    long provenAt() {
        return provenAt;
    }

    void provenAt(long provenAt) {
        this.provenAt = provenAt;
    }

    /** Whether the session named by {@code fingerprint} last proved the identity the connection has now. */
    boolean provenBy(String fingerprint) {
        Proof last = proof;
        return fingerprint != null && last != null && fingerprint.equals(last.fingerprint())
                && last.identity().equals(identity);
    }

    void proven(Identity identity, String fingerprint) {
        Proof last = proof;
        if (fingerprint != null && last != null && fingerprint.equals(last.fingerprint()) && identity.equals(last.identity())) {
            return; // the same proof again, as on most requests: nothing to write
        }
        this.proof = fingerprint == null ? null : new Proof(identity, fingerprint);
    }

    /** A tenure it left, and the user who held it then. */
    private record Left(String tenure, String user) {
    }

    /** What another app's session said: the identity its answer named, and which session asked. */
    private record Proof(Identity identity, String fingerprint) {
    }

    long checkedAt() {
        return checkedAt;
    }

    void checkedAt(long checkedAt) {
        this.checkedAt = checkedAt;
    }
}
