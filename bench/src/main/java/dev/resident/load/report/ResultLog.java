package dev.resident.load.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@code results/<scenario>.jsonl}: one result per line, appended, never rewritten. */
public final class ResultLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    public ResultLog(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public void append(ObjectNode line) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(line.path("scenario").asText() + ".jsonl"),
                JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Every recorded result, file by file in name order, each file oldest first. */
    public List<JsonNode> readAll() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return lines;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        lines.add(JSON.readTree(line));
                    }
                }
            }
        }
        return lines;
    }
}
