package org.reidspark.train;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The last good {@link TrainingState} of a run, in {@code <dir>/state.bin}. Works on any Hadoop file system
 * (local, s3a://, hdfs://), including object stores where a rename is a copy followed by a delete and replacing a
 * file takes more than one step:
 * <ol>
 *   <li>the new state is written completely to {@code state.bin.writing};</li>
 *   <li>the current {@code state.bin} is moved to {@code state.bin.previous};</li>
 *   <li>{@code state.bin.writing} is moved to {@code state.bin};</li>
 *   <li>{@code state.bin.previous} is deleted.</li>
 * </ol>
 * A crash at any point leaves a complete checkpoint: {@code state.bin}, or between steps 2 and 3 only
 * {@code state.bin.previous}, which {@link #load()} then reads. (Deleting {@code state.bin} before moving the new
 * one in, as an earlier version did, left no checkpoint at all for a crash in between: on S3A that window is a
 * whole object copy.)
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final String FILE = "state.bin";
    private static final String WRITING = FILE + ".writing";
    private static final String PREVIOUS = FILE + ".previous";
    private final Storage storage;
    private final Path dir;

    public Checkpoints(Storage storage, Path dir) {
        this.storage = storage;
        this.dir = dir;
    }

    /** The directory the checkpoint (and the run's fingerprint) is kept in. */
    public Path dir() {
        return dir;
    }

    public Path location() {
        return new Path(dir, FILE);
    }

    public void save(TrainingState state) throws IOException {
        FileSystem fs = storage.fs(dir);
        fs.mkdirs(dir);
        Path tmp = new Path(dir, WRITING);
        try (OutputStream out = fs.create(tmp, true)) {
            state.write(out);
        }
        Path target = location();
        Path previous = new Path(dir, PREVIOUS);
        if (fs.exists(target)) {
            if (fs.exists(previous)) fs.delete(previous, false);
            move(fs, target, previous);
        }
        move(fs, tmp, target);
        if (fs.exists(previous)) fs.delete(previous, false);
    }

    private static void move(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) throw new IOException("could not move checkpoint " + from + " to " + to);
    }

    /** Whether a checkpoint is there to resume from (without reading it). */
    public boolean exists() throws IOException {
        FileSystem fs = storage.fs(dir);
        return fs.exists(location()) || fs.exists(new Path(dir, PREVIOUS));
    }

    /** The last complete checkpoint, or empty when the run has none. */
    public Optional<TrainingState> load() throws IOException {
        Path p = location();
        FileSystem fs = storage.fs(p);
        if (!fs.exists(p)) {
            Path previous = new Path(dir, PREVIOUS);
            if (!fs.exists(previous)) return Optional.empty();
            LOG.warn("{} is missing but {} exists (a crash while a checkpoint was replaced): resuming from it", p, previous);
            p = previous;
        }
        try (InputStream in = fs.open(p)) {
            return Optional.of(TrainingState.read(in));
        } catch (IOException e) {
            throw new IOException("cannot read checkpoint " + p + ": " + e.getMessage(), e);
        }
    }
}
