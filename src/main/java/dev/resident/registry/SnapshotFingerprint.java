package dev.resident.registry;

import dev.resident.page.engine.ResidentPage;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A 64-bit fingerprint of an encoded page snapshot, two independent 32-bit checksums side by side:
 * equal fingerprints are taken as equal snapshots, so a snapshot already in the state store is not
 * written again ({@link DurablePages#write}). Both run at memory speed (CRC32C is an intrinsic,
 * {@code Arrays.hashCode} vectorized): far less than the write they save.
 */
final class SnapshotFingerprint {
    private SnapshotFingerprint() {
    }

    static long of(byte[] record) {
        CRC32C crc = new CRC32C();
        crc.update(record);
        long fingerprint = crc.getValue() << 32 | (Arrays.hashCode(record) & 0xFFFF_FFFFL);
        return fingerprint == ResidentPage.NOT_SENT ? 1 : fingerprint;
    }
}
