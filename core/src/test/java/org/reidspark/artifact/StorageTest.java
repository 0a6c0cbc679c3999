package org.reidspark.artifact;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Storage#listFiles}: on the local file system the same files, lengths and times as Hadoop's listFiles.
 * {@link Storage#listStatus}: on the local file system the same entries as Hadoop's listStatus.
 * {@link Storage#readBytes}: local files read straight from the disk, except where Hadoop must verify a checksum side
 * file or serve a configured local file system; Hadoop's exceptions either way.
 */
class StorageTest {
    @Test
    void localListingEqualsHadoopsRecursiveListing(@TempDir java.nio.file.Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a/b/c"));
        Files.createDirectories(dir.resolve("empty"));
        Files.createDirectories(dir.resolve(".hidden"));
        Files.writeString(dir.resolve("top.jpg"), "1");
        Files.writeString(dir.resolve("a/x y.png"), "22");
        Files.writeString(dir.resolve("a/b/c/deep.jpg"), "333");
        Files.writeString(dir.resolve(".hidden/h.jpg"), "4444");
        Files.writeString(dir.resolve("a/_SUCCESS"), "");
        Storage storage = new Storage(new Configuration());
        Path root = Storage.path(dir.toString());
        FileSystem fs = storage.fs(root);

        Map<String, String> hadoop = new TreeMap<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
            LocatedFileStatus s = it.next();
            hadoop.put(s.getPath().toString(), s.getLen() + "@" + s.getModificationTime());
        }
        Map<String, String> ours = new TreeMap<>();
        for (FileStatus s : Storage.listFiles(fs, root)) ours.put(s.getPath().toString(), s.getLen() + "@" + s.getModificationTime());

        assertEquals(5, hadoop.size(), "the fixture's files");
        assertEquals(hadoop, ours);
        assertEquals(3 + "@" + Files.getLastModifiedTime(dir.resolve("a/b/c/deep.jpg")).toMillis(),
                ours.get(fs.makeQualified(new Path(root, "a/b/c/deep.jpg")).toString()));
    }

    @Test
    void localFolderEntriesEqualHadoopsListStatus(@TempDir java.nio.file.Path dir) throws Exception {
        String[] names = {"plain.jpg", "a b.jpg", "100%.png", "#1.jpg", "ümlaut é.jpg", "semi;colon.jpg", ".hidden.jpg", "_SUCCESS"};
        for (int i = 0; i < names.length; i++) Files.write(dir.resolve(names[i]), new byte[i * 7]);
        Files.createDirectories(dir.resolve("sub folder"));
        Files.createSymbolicLink(dir.resolve("link.jpg"), dir.resolve("plain.jpg"));
        Files.createSymbolicLink(dir.resolve("broken.jpg"), dir.resolve("gone.jpg"));
        Storage storage = new Storage(new Configuration());
        Path root = Storage.path(dir.toString());
        FileSystem fs = storage.fs(root);
        assertEquals(describe(fs.listStatus(root)), describe(Storage.listStatus(fs, root)));
        assertEquals(names.length + 2, Storage.listStatus(fs, root).length, "every file, the folder and the link; not the broken link");
        Path file = new Path(root, "plain.jpg");
        assertEquals(describe(fs.listStatus(file)), describe(Storage.listStatus(fs, file)), "a file: its own status");
        Path missing = new Path(root, "nope");
        assertThrows(java.io.FileNotFoundException.class, () -> Storage.listStatus(fs, missing));
    }

    private static Map<String, String> describe(FileStatus[] statuses) {
        Map<String, String> out = new TreeMap<>();
        for (FileStatus s : statuses) {
            out.put(s.getPath().toString(), s.getLen() + "@" + s.getModificationTime() + (s.isDirectory() ? "/dir" : "/file")
                    + "@" + s.getBlockSize());
        }
        return out;
    }

    @Test
    void aMissingFolderFails(@TempDir java.nio.file.Path dir) {
        Storage storage = new Storage(new Configuration());
        Path missing = Storage.path(dir.resolve("nope").toString());
        assertThrows(java.io.FileNotFoundException.class, () -> Storage.listFiles(storage.fs(missing), missing));
    }
    @Test
    void readsLocalFilesAsHadoopDoes(@TempDir java.nio.file.Path dir) throws Exception {
        byte[] bytes = new byte[70_000];
        new java.util.Random(3).nextBytes(bytes);
        java.nio.file.Path odd = dir.resolve("a b%20c #1.jpg");
        Files.write(odd, bytes);
        Storage storage = new Storage(new Configuration());
        Path p = Storage.path(odd.toString());
        assertArrayEquals(bytes, storage.readBytes(p));
        try (java.io.InputStream in = storage.fs(p).open(p)) {
            assertArrayEquals(in.readAllBytes(), storage.readBytes(p), "what Hadoop reads");
        }
        Files.write(dir.resolve("empty.jpg"), new byte[0]);
        assertEquals(0, storage.readBytes(Storage.path(dir.resolve("empty.jpg").toString())).length);

        assertThrows(java.io.FileNotFoundException.class, () -> storage.readBytes(Storage.path(dir.resolve("nope.jpg").toString())));
        assertThrows(java.io.FileNotFoundException.class, () -> storage.readBytes(Storage.path(dir.toString())), "a folder");
    }

    @Test
    void aChecksumSideFileIsStillVerified(@TempDir java.nio.file.Path dir) throws Exception {
        Path p = Storage.path(dir.resolve("written.bin").toString());
        FileSystem checksummed = FileSystem.newInstance(p.toUri(), new Configuration()); // writes .written.bin.crc
        try (var out = checksummed.create(p)) {
            out.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        } finally {
            checksummed.close();
        }
        assertEquals(true, Files.exists(dir.resolve(".written.bin.crc")), "the fixture's side file");
        Storage storage = new Storage(new Configuration());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, storage.readBytes(p));

        Files.write(dir.resolve("written.bin"), new byte[] {1, 2, 3, 4, 5, 6, 7, 9}); // same length, other bytes
        assertThrows(org.apache.hadoop.fs.ChecksumException.class, () -> storage.readBytes(p));
    }

    @Test
    void aConfiguredLocalFileSystemServesTheReads(@TempDir java.nio.file.Path dir) throws Exception {
        Files.write(dir.resolve("flaky.jpg"), new byte[] {1});
        Files.write(dir.resolve("fine.jpg"), new byte[] {2});
        Storage storage = new Storage(org.reidspark.testing.FlakyFileSystem.install(new Configuration()));
        assertThrows(java.net.SocketException.class, () -> storage.readBytes(Storage.path(dir.resolve("flaky.jpg").toString())));
        assertArrayEquals(new byte[] {2}, storage.readBytes(Storage.path(dir.resolve("fine.jpg").toString())));
    }
}
