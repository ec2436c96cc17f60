package io.cfgserver.registry.topology;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The one slot function: {@code slot(key) = CRC32(tag-or-key) mod 1024}, IEEE CRC32, with the
 * hash tag being the part between the first '{' and the next '}' when that part is non-empty.
 * It matches nutcracker's {@code hash: crc32a} with {@code hash_tag: "{}"} and modula
 * distribution over 1024 weight points (see docs/slots.md).
 */
public final class Slots {
    public static final int COUNT = 1024;

    private Slots() {
    }

    public static int slot(byte[] key) {
        int start = 0;
        int end = key.length;
        int open = indexOf(key, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, (byte) '}', open + 1);
            if (close > open + 1) {
                start = open + 1;
                end = close;
            }
        }
        CRC32 crc = new CRC32();
        crc.update(key, start, end - start);
        return (int) (crc.getValue() % COUNT);
    }

    public static int slot(String key) {
        return slot(key.getBytes(StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    public static String logId(int slot) {
        return String.format("slot-[%04d]", slot);
    }
}
