package org.reidspark.data.batch;

/** A sample that could not be loaded into a batch; the message names its uri and where it was in the epoch. */
public final class BatchLoadException extends RuntimeException {
    private final String uri;

    public BatchLoadException(String uri, String message, Throwable cause) {
        super(message, cause);
        this.uri = uri;
    }

    /** The failing sample's uri. */
    public String uri() {
        return uri;
    }
}
