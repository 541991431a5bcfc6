package dev.mailroom.directory;

/**
 * Argon2id cost parameters (RFC 9106 section 3.1). The defaults are OWASP's minimum recommendation for
 * Argon2id (19 MiB, 2 passes, 1 lane); configuration may raise them. Verification always uses the
 * parameters stored in the hash, so changing these affects new hashes only.
 */
public record Argon2Parameters(int memoryKiB, int iterations, int parallelism) {

    public static final Argon2Parameters DEFAULT = new Argon2Parameters(19_456, 2, 1);

    /** Upper bounds accepted from a stored hash, so one bad line cannot make a login allocate gigabytes. */
    static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    static final int MAX_ITERATIONS = 100;
    static final int MAX_PARALLELISM = 64;

    public Argon2Parameters {
        // RFC 9106 section 3.1: p >= 1, t >= 1, m >= 8*p KiB.
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("parallelism must be 1.." + MAX_PARALLELISM);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be 1.." + MAX_ITERATIONS);
        }
        if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("memory must be 8*parallelism.." + MAX_MEMORY_KIB + " KiB");
        }
    }
}
