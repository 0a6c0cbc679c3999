package org.reidspark.data.catalog;

/**
 * A dataset on disk that a catalog cannot read as its layout: a missing or empty split folder, file names
 * that do not follow the layout's naming rule, malformed list or CSV lines, or a query/gallery split that
 * no query could be evaluated on. The message names the offending paths and says what was expected.
 */
public final class CatalogError extends RuntimeException {
    public CatalogError(String message) {
        super(message);
    }

    public CatalogError(String message, Throwable cause) {
        super(message, cause);
    }
}
