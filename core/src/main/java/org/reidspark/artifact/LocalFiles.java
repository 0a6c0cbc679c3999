package org.reidspark.artifact;

import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;
import org.apache.hadoop.util.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Hadoop's local file system ({@code file:}, checksum side files as {@link LocalFileSystem} has them) that sets a
 * file's or folder's permissions through Java's file API instead of a {@code chmod} process.
 *
 * <p>Without Hadoop's native library (the project does not ship it), {@link RawLocalFileSystem} creates every file and
 * every folder made with a permission by opening it and then starting {@code chmod} to set the mode it was asked for
 * (Hadoop's default 0644 for a file under the configured umask, what the JVM's own umask gives anyway). A process
 * start costs 2.4-9 ms on the project's 2-core machine, more from a JVM holding gigabytes: 5 of them for each
 * {@code extract} task (embeddings, unreadable images, the NumPy pair, the marker), 30-60 ms of a task of 0.2-0.5 s,
 * and about 120 in the README's train job (docs/performance.md, "Creating local files"). {@link Storage#fs} gives this
 * file system for local paths; the mode set is the same (a test compares it with Hadoop's under several umasks), and a
 * mode with the sticky bit, Windows and a machine with Hadoop's native library keep Hadoop's own way.
 */
public final class LocalFiles extends LocalFileSystem {

    public LocalFiles() {
        super(new Raw());
    }

    /** {@link RawLocalFileSystem} with {@link #setPermission} through {@link Files#setPosixFilePermissions}. */
    static final class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            if (Shell.WINDOWS || NativeIO.isAvailable() || permission.getStickyBit()) {
                super.setPermission(p, permission);
                return;
            }
            Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission));
        }
    }

    /** {@code permission}'s read, write and execute bits for owner, group and others. */
    static Set<PosixFilePermission> posix(FsPermission permission) {
        Set<PosixFilePermission> bits = EnumSet.noneOf(PosixFilePermission.class);
        add(bits, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        add(bits, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE);
        add(bits, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE);
        return bits;
    }

    private static void add(Set<PosixFilePermission> bits, FsAction action, PosixFilePermission read,
                            PosixFilePermission write, PosixFilePermission execute) {
        if (action.implies(FsAction.READ)) bits.add(read);
        if (action.implies(FsAction.WRITE)) bits.add(write);
        if (action.implies(FsAction.EXECUTE)) bits.add(execute);
    }
}
