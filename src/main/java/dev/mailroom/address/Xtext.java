package dev.mailroom.address;

import java.nio.charset.StandardCharsets;

/**
 * RFC 3461 section 4 xtext, the encoding of ORCPT= and ENVID= values:
 * {@code xtext = *( xchar / hexchar )}, {@code xchar} = any ASCII 33..126 except "+" and "=",
 * {@code hexchar = "+" 2(%x30-39 / %x41-46)}.
 */
public final class Xtext {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Xtext() {
    }

    /**
     * Decodes xtext into the string it stands for. The decoded octets are read as UTF-8 (RFC 6533 section 3
     * allows UTF-8 in utf-8-addr-xtext); malformed UTF-8 is kept byte for byte as ISO-8859-1 rather than
     * silently replaced, so nothing is lost.
     */
    public static String decode(String xtext) throws AddressException {
        byte[] out = new byte[xtext.length()];
        int n = 0;
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                // RFC 3461 section 4: exactly two upper-case hex digits follow "+".
                if (i + 2 >= xtext.length()) {
                    throw new AddressException("truncated xtext escape");
                }
                int hi = hexValue(xtext.charAt(i + 1));
                int lo = hexValue(xtext.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new AddressException("invalid xtext escape");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c >= 33 && c <= 126 && c != '=') {
                out[n++] = (byte) c;
            } else {
                throw new AddressException("invalid character in xtext");
            }
        }
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(out, 0, n)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(out, 0, n, StandardCharsets.ISO_8859_1);
        }
    }

    /** Encodes a string: xchars as themselves, everything else (including "+", "=", SP, UTF-8 bytes) as +XX. */
    public static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int v = b & 0xFF;
            if (v >= 33 && v <= 126 && v != '+' && v != '=') {
                out.append((char) v);
            } else {
                out.append('+').append(HEX[v >> 4]).append(HEX[v & 0xF]);
            }
        }
        return out.toString();
    }

    public static boolean isValid(String xtext) {
        if (xtext == null) {
            return false;
        }
        try {
            decode(xtext);
            return true;
        } catch (AddressException e) {
            return false;
        }
    }

    /** Upper-case only: RFC 3461 section 4 defines hexchar with %x41-46, so "+2b" is malformed. */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
