package dev.resident.web;

import java.time.Duration;

/**
 * Bounds of {@code POST /_/login} (the {@code resident.login} config node).
 *
 * @param maxUserLength       longer user names get 401 before anything is hashed or recorded
 * @param maxPasswordLength   longer passwords likewise
 * @param maxFailures         failures of one (user name, client address) pair before each further
 *                            failure doubles the wait before the next attempt
 * @param failureWindow       a pair is forgotten this long after its last failure
 * @param maxBackoff          the longest such wait
 * @param perAddressPerMinute login attempts per client address per minute
 * @param globalPerMinute     login attempts of all clients together per minute
 * @param quietPerMinute      of those, held for quiet addresses: addresses that make many logins
 *                            cannot use them up for everyone (0: none held)
 * @param quietAddressLogins  an address is quiet while it made at most this many logins in the last minute
 * @param maxPending          password checks waiting for or running on the CPU pool
 * @param maxTracked          pairs and addresses remembered at most
 * @param affinityKey         base64 key of the {@code rsd_aff} cookie's HMAC ({@link AffinityCookie}); empty: none
 */
public record LoginSettings(int maxUserLength, int maxPasswordLength, int maxFailures, Duration failureWindow,
                            Duration maxBackoff, int perAddressPerMinute, int globalPerMinute, int quietPerMinute,
                            int quietAddressLogins, int maxPending, int maxTracked, String affinityKey) {
    public LoginSettings {
        AffinityCookie.keyBytes(affinityKey); // a key that cannot work stops the start
    }
}
