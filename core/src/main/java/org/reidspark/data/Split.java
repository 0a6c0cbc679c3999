package org.reidspark.data;

/** Which part of a dataset a sample belongs to. */
public enum Split {
    TRAIN, QUERY, GALLERY;

    public String lower() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
