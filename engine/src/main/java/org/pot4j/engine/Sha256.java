package org.pot4j.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as lower-case hex, the one digest behind resume keys, config hashes and checkpoint checksums. */
public final class Sha256 {
    private Sha256() {
    }

    /** A fresh SHA-256 digest (every JDK has it). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** The hex SHA-256 of {@code data}. */
    public static String of(byte[] data) {
        return hex(newDigest().digest(data));
    }

    /** The hex SHA-256 of {@code text} in UTF-8. */
    public static String of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The hex form of a finished digest. */
    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
