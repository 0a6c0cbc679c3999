package org.reidspark.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.net.SocketException;

/**
 * The local file system, except that opening a file whose name contains {@code flaky} fails as a dropped connection
 * would ({@code Connection reset}): a storage failure that is not the file's fault. {@link #install} makes a Hadoop
 * configuration use it for {@code file:} paths.
 */
public final class FlakyFileSystem extends LocalFileSystem {
    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        if (f.getName().contains("flaky")) throw new SocketException("Connection reset");
        return super.open(f, bufferSize);
    }

    /** {@code conf} with {@code file:} served by this file system (not cached, so other tests keep the real one). */
    public static Configuration install(Configuration conf) {
        conf.set("fs.file.impl", FlakyFileSystem.class.getName());
        conf.setBoolean("fs.file.impl.disable.cache", true);
        return conf;
    }
}
