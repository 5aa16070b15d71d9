import org.h2.mvstore.Chunk;

import org.h2.mvstore.MVStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a state file's chunks hold (bench/file-size): opens a COPY of it read-only and prints the
 * file's length, the chunks' count, length and live share, and how the live bytes spread over the
 * file (tenths of its length) and over the chunks' ages.
 *   java -cp CLASSPATH bench/micro/StateChunks.java COPY_OF_STATE_MV
 */
public final class StateChunks {
    private static final long BLOCK = 4096; // MVStore's block (FileStore.BLOCK_SIZE, not public)
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long length = Files.size(file);
        try (MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            List<Chunk<?>> chunks = new ArrayList<>();
            for (Map.Entry<String, String> e : store.getLayoutMap().entrySet()) {
                if (e.getKey().startsWith("chunk.")) {
                    chunks.add(store.getFileStore().createChunk(e.getValue()));
                }
            }
            long newest = chunks.stream().mapToLong(c -> c.time).max().orElse(0);
            long maxLen = 0, live = 0, lenBytes = 0, end = 0, liveEnd = 0, empty = 0;
            long[] tenthLen = new long[10], tenthLive = new long[10];
            long[] ageLen = new long[6], ageLive = new long[6];
            long[] ageBounds = {45_000, 120_000, 600_000, 1_800_000, 3_600_000, Long.MAX_VALUE};
            for (Chunk<?> c : chunks) {
                long bytes = (long) c.len * BLOCK;
                long chunkEnd = c.block * BLOCK + bytes;
                maxLen += c.maxLen;
                live += c.maxLenLive;
                lenBytes += bytes;
                end = Math.max(end, chunkEnd);
                if (c.maxLenLive > 0) {
                    liveEnd = Math.max(liveEnd, chunkEnd);
                } else {
                    empty++;
                }
                int tenth = (int) Math.min(9, c.block * BLOCK * 10 / Math.max(1, length));
                tenthLen[tenth] += bytes;
                tenthLive[tenth] += c.maxLen == 0 ? 0 : bytes * c.maxLenLive / c.maxLen;
                long age = newest - c.time;
                int a = 0;
                while (age >= ageBounds[a]) {
                    a++;
                }
                ageLen[a] += bytes;
                ageLive[a] += c.maxLen == 0 ? 0 : bytes * c.maxLenLive / c.maxLen;
            }
            System.out.printf("file %.1f MB, %d chunks (%d without live pages) taking %.1f MB, live %.1f MB of their %.1f MB "
                            + "uncompressed (fill %d%%), last chunk ends at %.1f MB, last chunk with live pages at %.1f MB%n",
                    length / 1e6, chunks.size(), empty, lenBytes / 1e6, live / 1e6, maxLen / 1e6,
                    maxLen == 0 ? 100 : live * 100 / maxLen, end / 1e6, liveEnd / 1e6);
            System.out.print("by place in the file (tenths), chunk MB/live MB:");
            for (int i = 0; i < 10; i++) {
                System.out.printf(" %.1f/%.1f", tenthLen[i] / 1e6, tenthLive[i] / 1e6);
            }
            System.out.printf("%nby age (<45s, <2m, <10m, <30m, <60m, older), chunk MB/live MB:");
            for (int i = 0; i < 6; i++) {
                System.out.printf(" %.1f/%.1f", ageLen[i] / 1e6, ageLive[i] / 1e6);
            }
            System.out.println();
        }
    }
}
