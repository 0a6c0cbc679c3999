package org.reidspark.artifact;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LocalFiles}, the local file system {@link Storage#fs} gives: the files and folders it creates, and the modes it
 * sets, are what Hadoop's own {@link LocalFileSystem} (a {@code chmod} process each) makes of the same calls.
 */
class LocalFilesTest {

    @Test
    void storageGivesItForLocalPathsOnly(@TempDir java.nio.file.Path dir) throws Exception {
        Storage storage = new Storage(new Configuration());
        FileSystem fs = storage.fs(Storage.path(dir.toString()));
        assertInstanceOf(LocalFiles.class, fs);
        assertTrue(fs == storage.fs(Storage.path(dir.resolve("other").toString())), "one instance per storage");
        assertEquals(URI.create("file:///"), fs.getUri());

        Configuration flaky = new Configuration();
        flaky.set("fs.file.impl", HadoopsLocal.class.getName());
        flaky.setBoolean("fs.file.impl.disable.cache", true);
        assertInstanceOf(HadoopsLocal.class, new Storage(flaky).fs(Storage.path(dir.toString())),
                "a configured fs.file.impl is kept");
    }

    @Test
    void createdFilesAndFoldersHaveHadoopsModesUnderEachUmask(@TempDir java.nio.file.Path dir) throws Exception {
        for (String umask : new String[]{"022", "077", "002", "027", "000"}) {
            Configuration conf = new Configuration();
            conf.set("fs.permissions.umask-mode", umask);
            FileSystem ours = new Storage(conf).fs(Storage.path(dir.toString()));
            FileSystem hadoops = FileSystem.newInstance(URI.create("file:///"), conf);
            assertEquals(LocalFileSystem.class, hadoops.getClass());
            hadoops.setWriteChecksum(false);
            for (FileSystem fs : new FileSystem[]{ours, hadoops}) {
                String tag = umask + "-" + fs.getClass().getSimpleName();
                try (FSDataOutputStream out = fs.create(new Path(dir.toString(), "file-" + tag), true)) {
                    out.write(7);
                }
                assertTrue(fs.mkdirs(new Path(dir.toString(), "folder-" + tag + "/inner"), new FsPermission((short) 0775)));
                assertTrue(fs.mkdirs(new Path(dir.toString(), "plain-" + tag)));
            }
            String o = umask + "-LocalFiles";
            String h = umask + "-LocalFileSystem";
            for (String name : new String[]{"file-", "folder-", "plain-"}) {
                assertEquals(mode(dir.resolve(name + h)), mode(dir.resolve(name + o)), name + " under umask " + umask);
            }
            assertEquals(mode(dir.resolve("folder-" + h + "/inner")), mode(dir.resolve("folder-" + o + "/inner")));
            assertEquals(7, Files.readAllBytes(dir.resolve("file-" + o))[0]);
            assertFalse(Files.exists(dir.resolve(".file-" + o + ".crc")), "no checksum side file from Storage");
            hadoops.close();
        }
        assertEquals(0644, mode(dir.resolve("file-022-LocalFiles")), "Hadoop's default file mode under umask 022");
        assertEquals(0600, mode(dir.resolve("file-077-LocalFiles")));
    }

    @Test
    void everyModeIsSetExactlyAndTheStickyBitAsHadoopSetsIt(@TempDir java.nio.file.Path dir) throws Exception {
        FileSystem ours = new Storage(new Configuration()).fs(Storage.path(dir.toString()));
        Path file = new Path(dir.toString(), "f");
        try (FSDataOutputStream out = ours.create(file, true)) {
            out.write(1);
        }
        for (int m = 0; m <= 0777; m++) {
            ours.setPermission(file, new FsPermission((short) m));
            assertEquals(m, mode(dir.resolve("f")), Integer.toOctalString(m));
        }
        // the sticky bit (Java's file API has none) goes to Hadoop's chmod, as Hadoop's own file system would
        Path folder = new Path(dir.toString(), "shared");
        assertTrue(ours.mkdirs(folder));
        ours.setPermission(folder, new FsPermission((short) 01777));
        assertEquals(01777, mode(dir.resolve("shared")));
    }

    @Test
    void aMissingFileFailsAsAnIOException(@TempDir java.nio.file.Path dir) {
        FileSystem ours = new Storage(new Configuration()).fs(Storage.path(dir.toString()));
        assertThrows(IOException.class, () -> ours.setPermission(new Path(dir.toString(), "missing"), new FsPermission((short) 0600)));
    }

    private static int mode(java.nio.file.Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }

    /** Hadoop's local file system under another class name, as a configured {@code fs.file.impl}. */
    public static final class HadoopsLocal extends LocalFileSystem {
    }
}
