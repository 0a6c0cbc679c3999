package org.reidspark.data.image;

/** An image that cannot be read or decoded (missing, truncated, corrupt, unsupported); the message names its uri. */
public final class ImageDecodeException extends RuntimeException {
    private final String uri;
    private final String problem;

    public ImageDecodeException(String uri, String problem, Throwable cause) {
        super("cannot decode image " + uri + ": " + problem, cause);
        this.uri = uri;
        this.problem = problem;
    }

    public ImageDecodeException(String uri, String problem) {
        this(uri, problem, null);
    }

    /** The image's uri. */
    public String uri() {
        return uri;
    }

    /** What is wrong with the image, without its uri (e.g. "corrupt or truncated image: ..."). */
    public String problem() {
        return problem;
    }
}
