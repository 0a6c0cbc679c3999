package org.reidspark.data.catalog;

import org.apache.hadoop.conf.Configuration;
import org.reidspark.artifact.Storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds dataset trees for catalog tests: empty files named by the layouts' rules (catalogs never decode images). */
final class Trees {
    private Trees() {
    }

    static Storage storage() {
        return new Storage(new Configuration());
    }

    /** Creates empty files {@code names} in {@code dir} (and {@code dir} itself); names may contain '/'. */
    static Path touch(Path dir, String... names) {
        try {
            Files.createDirectories(dir);
            for (String n : names) {
                Path f = dir.resolve(n);
                Files.createDirectories(f.getParent());
                Files.write(f, new byte[0]);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The uri a catalog gives a local file. */
    static String uri(Path file) {
        return "file:" + file.toAbsolutePath();
    }
}
