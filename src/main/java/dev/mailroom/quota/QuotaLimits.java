package dev.mailroom.quota;

/**
 * What one account may send; 0 means unlimited.
 *
 * @param newRecipientsPerDay distinct recipients the account had not sent to in the last 30 days
 */
public record QuotaLimits(long messagesPerHour, long messagesPerDay, long recipientsPerDay, long newRecipientsPerDay) {

    /**
     * mox's defaults for a day (1000 messages, 200 first-time recipients), an hourly cap that stops a burst from
     * spending the whole day's allowance in minutes, and ten recipients per message on average for the day.
     */
    public static final QuotaLimits DEFAULT = new QuotaLimits(300, 1000, 3000, 200);

    public QuotaLimits {
        if (messagesPerHour < 0 || messagesPerDay < 0 || recipientsPerDay < 0 || newRecipientsPerDay < 0) {
            throw new IllegalArgumentException("quota limits must not be negative");
        }
    }

    /** The limit of one kind; 0 is unlimited. */
    public long limit(QuotaKind kind) {
        return switch (kind) {
            case MESSAGES_PER_HOUR -> messagesPerHour;
            case MESSAGES_PER_DAY -> messagesPerDay;
            case RECIPIENTS_PER_DAY -> recipientsPerDay;
            case NEW_RECIPIENTS_PER_DAY -> newRecipientsPerDay;
        };
    }
}
