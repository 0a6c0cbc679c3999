package org.reidspark.jobs.testing;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local file system with a gate, to stop a job's process at a chosen point so that a test can kill it there: the
 * first {@code reid.test.gate.pass} opens or creates of files whose name contains {@code reid.test.gate.name} go
 * through, the next one writes the file {@code reid.test.gate.reached} and then waits, forever, for a file that never
 * comes. Configured as {@code fs.file.impl} through {@code reid.hadoop} (with {@code fs.file.impl.disable.cache}).
 */
public final class GateFileSystem extends LocalFileSystem {
    private static final AtomicInteger SEEN = new AtomicInteger();

    private void gate(Path f) throws IOException {
        String name = getConf().get("reid.test.gate.name", "");
        if (name.isEmpty() || !f.getName().contains(name)) return;
        if (SEEN.getAndIncrement() < getConf().getInt("reid.test.gate.pass", 0)) return;
        Files.writeString(java.nio.file.Path.of(getConf().get("reid.test.gate.reached")), f.toString());
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at the gate on " + f);
            }
        }
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        gate(f);
        return super.open(f, bufferSize);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                     long blockSize, Progressable progress) throws IOException {
        gate(f);
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    /** The {@code key=value} overrides that stop the job at the {@code pass + 1}-th open or create of a {@code name} file. */
    public static java.util.List<String> overrides(String name, int pass, java.nio.file.Path reached) {
        return java.util.List.of("reid.hadoop.\"fs.file.impl\"=" + GateFileSystem.class.getName(),
                "reid.hadoop.\"fs.file.impl.disable.cache\"=true", "reid.hadoop.\"reid.test.gate.name\"=\"" + name + "\"",
                "reid.hadoop.\"reid.test.gate.pass\"=" + pass, "reid.hadoop.\"reid.test.gate.reached\"=\"" + reached + "\"");
    }
}
