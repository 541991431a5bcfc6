package dev.mailroom.quota;

/**
 * One account's usage now: what accepted messages used within each window, how many recipients it remembers,
 * and what its open transactions hold.
 */
public record Usage(long messagesLastHour, long messagesLastDay, long recipientsLastDay, long newRecipientsLastDay,
                    int rememberedRecipients, long heldMessages, long heldRecipients) {
}
