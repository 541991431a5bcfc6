package dev.mailroom.config;

/** A configuration error: which file, which key, and why. The CLI prints it and exits with 2. */
public final class ConfigException extends Exception {
    private final String file;
    private final String key;
    private final String reason;

    public ConfigException(String file, String key, String reason) {
        super(file + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + reason);
        this.file = file;
        this.key = key;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    public String key() {
        return key;
    }

    public String reason() {
        return reason;
    }
}
