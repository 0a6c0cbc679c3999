package org.reidspark.io;

import java.io.IOException;

/** A file that is not a readable {@code .npy} array: the message names the file and says what is wrong. */
public final class NpyFormatException extends IOException {
    public NpyFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    public NpyFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
