package org.reidspark.jobs.extract;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;
import org.apache.hadoop.fs.s3a.S3AFileStatus;
import org.apache.hadoop.fs.s3a.S3ALocatedFileStatus;
import org.apache.hadoop.util.functional.FutureIO;
import org.reidspark.artifact.Storage;

import java.io.IOException;
import java.io.Serializable;

/**
 * What an S3 listing said of one object, kept so that a task can open it without asking S3 again. S3A's
 * {@code open} sends a HEAD request for the object's length and ETag before its GET; given the listing's status through
 * {@link FileSystem#openFile} it sends the GET alone (Hadoop 3.3.4 takes an {@link S3AFileStatus} there and ignores
 * any other status). Against s3proxy on loopback that read 1.5x the small objects per second (2,000 of the synthetic
 * benchmark's JPEGs on 2 threads; docs/performance.md, "Extraction at the compute rate"); against a remote endpoint it
 * saves one round trip per image. The listing's ETag (and version) guard the read: an object replaced since the listing
 * fails S3A's change detection (never read with the old length) and is then read as it is now, with a plain open.
 *
 * @param length    the object's length in bytes
 * @param modified  its modification time (ms)
 * @param blockSize the block size S3A reported
 * @param eTag      its ETag, or null
 * @param versionId its version id, or null
 */
record ListedObject(long length, long modified, long blockSize, String eTag, String versionId) implements Serializable {

    /** What {@code status} says of its object when an S3A listing made it; null for any other status. */
    static ListedObject of(FileStatus status) {
        if (!(status instanceof S3ALocatedFileStatus s)) return null;
        return new ListedObject(s.getLen(), s.getModificationTime(), s.getBlockSize(), s.getETag(), s.getVersionId());
    }

    /**
     * The bytes of the file at {@code uri}: on S3A, opened with what {@code listed} says of it (when not null); every
     * other file, and an S3A object the listing did not describe, through {@link Storage#readBytes}.
     */
    static byte[] read(Storage storage, String uri, ListedObject listed) throws IOException {
        Path p = Storage.path(uri);
        if (listed == null || !"s3a".equals(p.toUri().getScheme())) return storage.readBytes(p);
        FileSystem fs = storage.fs(p);
        Path q = fs.makeQualified(p);
        S3AFileStatus status = new S3AFileStatus(listed.length(), listed.modified(), q, listed.blockSize(), null, listed.eTag(),
                listed.versionId());
        try (FSDataInputStream in = FutureIO.awaitFuture(fs.openFile(q).withFileStatus(status).build())) {
            return in.readAllBytes();
        } catch (RemoteFileChangedException e) {
            return storage.readBytes(p); // replaced since the listing: the object as it is now, as a plain open reads it
        }
    }
}
