package dev.resident.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IP address written as a literal, read without ever looking a name up. {@link InetAddress#getByName}
 * asks the resolver about whatever it cannot parse, even text of hex letters or digits and dots
 * ({@code beef}, {@code 1..2}): a client that could put such text where an address is read would
 * make each of its requests wait on a lookup of its choice.
 */
final class IpLiteral {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    /** Longer than any IPv6 literal (45 characters, with an IPv4 tail). */
    private static final int MAX_LENGTH = 64;

    private IpLiteral() {
    }

    /** The address's bytes (4 or 16; an IPv4-mapped IPv6 address gives 4), or null when {@code text} is no IP literal. */
    static byte[] bytes(String text) {
        String value = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            return null;
        }
        Matcher v4 = IPV4.matcher(value);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(v4.group(i + 1));
                if (part > 255) {
                    return null;
                }
                bytes[i] = (byte) part;
            }
            return bytes;
        }
        if (!IPV6.matcher(value).matches()) {
            return null;
        }
        try {
            // in brackets, the JDK parses the text as an IPv6 literal or refuses it: never a lookup
            return InetAddress.getByName("[" + value + "]").getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The address, or null when {@code text} is no IP literal. */
    static InetAddress address(String text) {
        byte[] bytes = bytes(text);
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes
        }
    }
}
