package dev.resident.web;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A client's value stays one field of one log line, whatever characters it holds. */
class LogTextTest {
    @Test
    void controlsSeparatorsSpacesAndQuotesAreReplaced() {
        assertEquals("a_b_c_d_e_f_g_h_i", LogText.clean("a\nb\u0085c\u009bd\u2028e\u2029f\"g h\u007fi", 100));
        assertEquals("héllo_✓", LogText.clean("héllo ✓", 100));
        assertEquals("abc…", LogText.clean("abcdef", 3));
        assertEquals("-", LogText.clean(null, 3));
    }
}
