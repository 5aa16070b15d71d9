package dev.resident;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The password {@code hash-password} hashes: typed at the terminal without echo, or the first line
 * of the standard input when it is not a terminal ({@code printf '%s' "$PW" | java -jar ...}), so
 * that it never sits on a command line that every user of the machine can read.
 */
final class PasswordPrompt {
    private PasswordPrompt() {
    }

    /** Whether the console is a terminal ({@code Console.isTerminal}, JDK 22; before it a console always was). */
    private static boolean terminal(Console console) {
        try {
            return (boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** The password, or null when none came. */
    static String read() {
        Console console = System.console();
        if (console != null && terminal(console)) {
            char[] typed = console.readPassword("password: ");
            return typed == null ? null : new String(typed);
        }
        try {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
