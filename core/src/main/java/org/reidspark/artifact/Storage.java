package org.reidspark.artifact;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.config.S3Config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Access to any Hadoop FileSystem (local paths, {@code file:}, {@code s3a://}, {@code hdfs://}) with the
 * project's S3 settings applied. A plain path with no scheme is a local path.
 */
public final class Storage {
    private final Configuration hadoop;

    public Storage(Configuration hadoop) {
        this.hadoop = hadoop;
    }

    /** A Hadoop configuration with {@code s3}'s {@code fs.s3a.*} properties applied. */
    public static Configuration hadoopConfiguration(S3Config s3) {
        Configuration conf = new Configuration();
        for (Map.Entry<String, String> e : s3.hadoopProperties().entrySet()) conf.set(e.getKey(), e.getValue());
        return conf;
    }

    public static Storage of(S3Config s3) {
        return new Storage(hadoopConfiguration(s3));
    }

    public Configuration hadoop() {
        return hadoop;
    }

    /**
     * {@code location} as a qualified Hadoop path: a location with a scheme ({@code s3a://b/k}, {@code file:/x}) as
     * Hadoop parses it; a bare local path becomes an absolute {@code file:} path, whatever characters its names hold
     * (spaces, commas, quotes, {@code %}, {@code #}, non-ASCII letters), without a trailing '/' (so
     * {@link Path#getName()} is the folder's name).
     */
    public static Path path(String location) {
        if (location.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) return new Path(location);
        String p = new java.io.File(location).getAbsolutePath();
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return new Path("file", null, p);
    }

    /** The file system of {@code p}; checksum side files ({@code .name.crc}) are not written on local disks. */
    public FileSystem fs(Path p) {
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            fs.setWriteChecksum(false);
            return fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open file system for " + p + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(Path p) throws IOException {
        return fs(p).exists(p);
    }

    public void writeString(Path p, String text) throws IOException {
        try (OutputStream out = fs(p).create(p, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    public String readString(Path p) throws IOException {
        try (InputStream in = fs(p).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
