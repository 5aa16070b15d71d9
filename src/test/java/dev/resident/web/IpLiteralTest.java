package dev.resident.web;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What reads as an IP literal, and what does not (what {@code InetAddress.getByName} would look up). */
class IpLiteralTest {
    @Test
    void literalsAreRead() throws Exception {
        assertArrayEquals(new byte[] {(byte) 203, 0, 113, 9}, IpLiteral.bytes("203.0.113.9"));
        assertArrayEquals(new byte[] {0, 0, 0, 0}, IpLiteral.bytes("0.0.0.0"));
        assertEquals(InetAddress.getByName("2001:db8::1"), IpLiteral.address("2001:db8::1"));
        assertEquals(InetAddress.getByName("2001:db8::1"), IpLiteral.address("[2001:db8::1]"));
        assertEquals(InetAddress.getByName("::1"), IpLiteral.address("::1"));
        assertEquals(InetAddress.getByName("203.0.113.9"), IpLiteral.address("::ffff:203.0.113.9"));
    }

    @Test
    void anythingElseIsNone() {
        for (String text : new String[] {"", "beef", "dead.beef", "1..2", "1.2", "1.2.3.4.5", "999.1.1.1",
                "1.2.3.4.", ".:1", "::zz", "2001:db8::1%eth0", "[beef]", "localhost",
                "1".repeat(80) + ":1"}) {
            assertNull(IpLiteral.bytes(text), text);
        }
    }
}
