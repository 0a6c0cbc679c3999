package org.reidspark.train;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The last good {@link TrainingState} of a run, in {@code <dir>/state.bin}. A new checkpoint is written
 * beside the old one and then moved over it, so a crash mid-write leaves the previous checkpoint intact.
 * Works on any Hadoop file system (local, s3a://, hdfs://).
 */
public final class Checkpoints {
    private static final String FILE = "state.bin";
    private final Storage storage;
    private final Path dir;

    public Checkpoints(Storage storage, Path dir) {
        this.storage = storage;
        this.dir = dir;
    }

    public Path location() {
        return new Path(dir, FILE);
    }

    public void save(TrainingState state) throws IOException {
        FileSystem fs = storage.fs(dir);
        fs.mkdirs(dir);
        Path tmp = new Path(dir, FILE + ".writing");
        try (OutputStream out = fs.create(tmp, true)) {
            state.write(out);
        }
        Path target = location();
        if (fs.exists(target)) fs.delete(target, false);
        if (!fs.rename(tmp, target)) throw new IOException("could not move checkpoint " + tmp + " to " + target);
    }

    public Optional<TrainingState> load() throws IOException {
        Path p = location();
        FileSystem fs = storage.fs(p);
        if (!fs.exists(p)) return Optional.empty();
        try (InputStream in = fs.open(p)) {
            return Optional.of(TrainingState.read(in));
        } catch (IOException e) {
            throw new IOException("cannot read checkpoint " + p + ": " + e.getMessage(), e);
        }
    }
}
