package dev.resident;

/**
 * A setting that cannot be used, found at start: {@link Main} prints its message as one line
 * ({@code resident: <key> (<ENV>): <problem>}) and exits 2, with no stack trace.
 */
public final class ConfigException extends IllegalArgumentException {
    private final String key;

    /**
     * @param key     the config key ({@code resident.ws.heartbeat}); its environment name, when it has
     *                one, is added to the message
     * @param problem what is wrong and what is allowed
     */
    public ConfigException(String key, String problem) {
        super(ResidentConfig.describe(key) + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
