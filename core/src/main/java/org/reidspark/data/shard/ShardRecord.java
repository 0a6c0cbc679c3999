package org.reidspark.data.shard;

import org.reidspark.data.Sample;
import org.reidspark.data.image.RgbImage;

/**
 * One sample after sharding: decoded and resized to the training size, or marked bad with the reason.
 *
 * @param key     the sample's stable id: its index in the manifest
 * @param sample  the sample
 * @param shard   its shard within its split
 * @param sha256  SHA-256 of the file's bytes (lower-case hex), or null when the file could not be read
 * @param problem why the image is bad (unreadable, corrupt, ...), or null when it is fine
 * @param image   the resized image, or null when the image is bad
 */
public record ShardRecord(long key, Sample sample, int shard, String sha256, String problem, RgbImage image) {
    public ShardRecord {
        if ((problem == null) == (image == null)) {
            throw new IllegalArgumentException("a shard record has either an image or a problem: " + sample.uri());
        }
    }

    public boolean ok() {
        return problem == null;
    }
}
