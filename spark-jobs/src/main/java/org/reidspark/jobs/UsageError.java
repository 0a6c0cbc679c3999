package org.reidspark.jobs;

/** A command line that cannot be run as given: the message says what was wrong and what is accepted. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message);
    }
}
