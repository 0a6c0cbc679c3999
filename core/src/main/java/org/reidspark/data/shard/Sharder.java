package org.reidspark.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.ImageReadException;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Turns samples into {@link ShardRecord}s: reads each file's bytes through Hadoop (any scheme), hashes them
 * (SHA-256), decodes and resizes the image bilinearly to the training size, once. A file that does not exist or does
 * not decode becomes a bad record with the reason, never an exception, so one corrupt image does not stop a job. A
 * storage failure while reading (S3 503, a reset connection) is an {@link ImageReadException}: it may pass, so it
 * fails the task, which Spark retries, instead of marking a good image bad.
 *
 * <p>Opens its own {@link FileSystem} instance per scheme and authority ({@link FileSystem#newInstance}), so it
 * may close them without disturbing Hadoop's shared cache; {@link #close()} closes them. One sharder per thread.
 */
public final class Sharder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sharder.class);

    private final Configuration hadoop;
    private final ImageDecoder decoder;
    private final int height;
    private final int width;
    private final Map<String, FileSystem> open = new HashMap<>();

    /**
     * @param hadoop  Hadoop settings for reading the files (S3A endpoint and keys, ...)
     * @param decoder the image decoder ({@code reid.input.alpha})
     * @param height  training height ({@code reid.input.height})
     * @param width   training width ({@code reid.input.width})
     */
    public Sharder(Configuration hadoop, ImageDecoder decoder, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("size must be positive: " + height + "x" + width);
        this.hadoop = hadoop;
        this.decoder = decoder;
        this.height = height;
        this.width = width;
    }

    /** Reads, hashes, decodes and resizes the sample's image. */
    public ShardRecord shard(long key, Sample sample, int shard) {
        byte[] bytes;
        try {
            bytes = read(sample.uri());
        } catch (FileNotFoundException e) {
            return bad(key, sample, shard, null, "file not found");
        } catch (IOException e) {
            throw new ImageReadException(sample.uri(), e); // the storage failed, not the image: the task is retried
        } catch (IllegalArgumentException e) {
            return bad(key, sample, shard, null, "not a valid file name: " + e.getMessage());
        }
        return process(key, sample, shard, bytes);
    }

    /** Hashes, decodes and resizes already-read file bytes. */
    public ShardRecord process(long key, Sample sample, int shard, byte[] bytes) {
        String hash = sha256(bytes);
        RgbImage img;
        try {
            img = decoder.decode(bytes, sample.uri());
        } catch (ImageDecodeException e) {
            return bad(key, sample, shard, hash, e.problem());
        }
        return new ShardRecord(key, sample, shard, hash, null, Resize.bilinear(img, height, width));
    }

    private static ShardRecord bad(long key, Sample sample, int shard, String hash, String problem) {
        LOG.warn("skipping bad image {}: {}", sample.uri(), problem);
        return new ShardRecord(key, sample, shard, hash, problem, null);
    }

    private byte[] read(String uri) throws IOException {
        Path p = Storage.path(uri);
        URI u = p.toUri();
        String fsKey = u.getScheme() + "://" + (u.getAuthority() == null ? "" : u.getAuthority());
        FileSystem fs = open.get(fsKey);
        if (fs == null) {
            fs = FileSystem.newInstance(u, hadoop);
            open.put(fsKey, fs);
        }
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    /** SHA-256 of {@code bytes} as lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public void close() {
        for (Map.Entry<String, FileSystem> e : open.entrySet()) {
            try {
                e.getValue().close();
            } catch (IOException ex) {
                LOG.warn("could not close file system {}: {}", e.getKey(), ex.getMessage());
            }
        }
        open.clear();
    }
}
