package dev.resident.id;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written id check says what the id grammar says, on fresh ids, edge cases and random text. */
class IdsTest {
    private static final Pattern GRAMMAR = Pattern.compile("[A-Za-z0-9_-]{22}(\\|p[0-9]{2,})?");

    @Test
    void freshIdsAreWellFormed() {
        for (int i = 0; i < 1_000; i++) {
            assertTrue(Ids.isWellFormed(Ids.newId()));
            assertTrue(Ids.isWellFormed(Ids.newPageId("p" + (10 + i % 90))));
        }
    }

    @Test
    void theCheckAgreesWithTheGrammar() {
        String base = "AbCdEfGhIjKlMnOpQr_-09";
        List<String> cases = new ArrayList<>(List.of("", base, base + "|p01", base + "|p1", base + "|p", base + "|",
                base + "|q01", base + "|p0a", base.substring(1), base + "x", base.replace('_', '.'),
                base.replace('A', 'é'), base + "|p" + "1".repeat(20), base + "|p" + "1".repeat(16), " " + base,
                base + "|p01 ", base + "\n"));
        Random random = new Random(42);
        String alphabet = "Aa0_-|p9.é \u0000";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder text = new StringBuilder(random.nextBoolean() ? base.substring(0, random.nextInt(23)) : "");
            for (int k = random.nextInt(8); k > 0; k--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            cases.add(text.toString());
        }
        for (String text : cases) {
            boolean expected = text.length() <= 40 && GRAMMAR.matcher(text).matches();
            assertEquals(expected, Ids.isWellFormed(text), text);
        }
        assertFalse(Ids.isWellFormed(null));
    }
}
