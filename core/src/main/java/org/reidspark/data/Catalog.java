package org.reidspark.data;

import org.reidspark.artifact.Storage;

import java.io.IOException;

/**
 * Reads one dataset layout (Market-1501, MSMT17, a CSV manifest, ...) from a root directory on any
 * Hadoop file system into a {@link Manifest}. Names that do not follow the layout's rule are errors
 * naming the path, never silently dropped.
 */
public interface Catalog {
    /** The name used in config ({@code reid.data.dataset}). */
    String name();

    Manifest read(Storage storage, String root) throws IOException;
}
