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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Storage#listFiles}: on the local file system the same files, lengths and times as Hadoop's listFiles. */
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
    void aMissingFolderFails(@TempDir java.nio.file.Path dir) {
        Storage storage = new Storage(new Configuration());
        Path missing = Storage.path(dir.resolve("nope").toString());
        assertThrows(java.io.FileNotFoundException.class, () -> Storage.listFiles(storage.fs(missing), missing));
    }
}
