package org.reidspark.data.image;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An image file that could not be <em>read</em>: the storage failed (an S3 503 SlowDown, a connection reset, a
 * timeout, a node down), not the image. Such a failure may pass, so it is never recorded as an unreadable image: it
 * fails the task, and Spark retries it. Only bytes that were read and do not decode, and files that do not exist,
 * are {@link ImageDecodeException}s.
 */
public final class ImageReadException extends UncheckedIOException {
    private final String uri;

    public ImageReadException(String uri, IOException cause) {
        super("cannot read image " + uri + " (a storage failure, not a bad image; the task fails so that it is retried): "
                + cause, cause);
        this.uri = uri;
    }

    public String uri() {
        return uri;
    }
}
