package org.reidspark.data.shard;

/**
 * More images of a dataset could not be read or decoded than {@code reid.shard.max-bad-fraction} allows.
 * The message gives the counts, the limit and the first bad images with their problems.
 */
public final class BadImagesError extends RuntimeException {
    public BadImagesError(String message) {
        super(message);
    }
}
