package dev.mailroom.quota;

/** The limits on what one account may send, each over its own sliding window of one-minute buckets. */
public enum QuotaKind {
    MESSAGES_PER_HOUR("messages_per_hour", "messages per hour", 60),
    MESSAGES_PER_DAY("messages_per_day", "messages per day", 24 * 60),
    RECIPIENTS_PER_DAY("recipients_per_day", "recipients per day", 24 * 60),
    /** Recipients the account has not sent to in the last 30 days: the damage a stolen password can do. */
    NEW_RECIPIENTS_PER_DAY("new_recipients_per_day", "new recipients per day", 24 * 60);

    private final String key;
    private final String text;
    private final int minutes;

    QuotaKind(String key, String text, int minutes) {
        this.key = key;
        this.text = text;
        this.minutes = minutes;
    }

    /** The configuration key and the name in logs and metrics. */
    public String key() {
        return key;
    }

    /** For people: "messages per day". */
    public String text() {
        return text;
    }

    /** The window, in one-minute buckets. */
    public int minutes() {
        return minutes;
    }
}
