package dev.resident.legacy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each address holds at most its share, and an address holding nothing is not kept. */
@Timeout(10)
class AddressSharesTest {

    @Test
    void anAddressAtItsShareTakesNoMoreAndOthersStillDo() {
        AddressShares shares = new AddressShares(2);
        assertTrue(shares.take("203.0.113.1"));
        assertTrue(shares.take("203.0.113.1"));
        assertFalse(shares.take("203.0.113.1"), "its share is taken");
        assertTrue(shares.take("203.0.113.2"), "another address is not held back");
        shares.release("203.0.113.1");
        assertTrue(shares.take("203.0.113.1"), "a place given back can be taken again");
    }

    @Test
    void anAddressIsForgottenOnceItHoldsNothing() {
        AddressShares shares = new AddressShares(2);
        for (int i = 0; i < 1000; i++) {
            String address = "198.51.100." + (i % 250);
            assertTrue(shares.take(address));
            shares.release(address);
        }
        assertEquals(0, shares.addresses());
        shares.take("198.51.100.1");
        shares.take("198.51.100.1");
        shares.release("198.51.100.1");
        assertEquals(1, shares.addresses(), "kept while it holds one");
        shares.release("198.51.100.1");
        assertEquals(0, shares.addresses());
    }
}
