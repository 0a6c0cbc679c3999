package org.reidspark.data.catalog;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The file-system questions catalogs ask, answered through Hadoop {@link FileSystem} only (so a local
 * path, {@code file:}, {@code s3a://} and {@code hdfs://} roots behave the same): does a folder exist,
 * what does it hold, what lines does a list file have.
 */
final class Folders {
    private static final Logger LOG = LoggerFactory.getLogger(Folders.class);

    private final Storage storage;

    Folders(Storage storage) {
        this.storage = storage;
    }

    /** {@code location} (a bare local path or a URI) as a fully-qualified Hadoop path. */
    Path qualify(String location) {
        Path p = storage.qualifiedPath(location);
        // a local folder's java.io.File URI, or a root given as "s3a://b/data/", ends with '/': drop it
        java.net.URI u = p.toUri();
        String path = u.getPath();
        if (path.length() > 1 && path.endsWith("/")) {
            while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
            p = new Path(u.getScheme(), u.getAuthority(), path);
        }
        return p;
    }

    FileSystem fs(Path p) {
        return storage.fs(p);
    }

    /** The status of {@code p}, or null when nothing is there. */
    FileStatus status(Path p) throws IOException {
        try {
            return fs(p).getFileStatus(p);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    boolean isDirectory(Path p) throws IOException {
        FileStatus s = status(p);
        return s != null && s.isDirectory();
    }

    boolean isFile(Path p) throws IOException {
        FileStatus s = status(p);
        return s != null && s.isFile();
    }

    /** The entries of a folder, sorted by name. */
    List<FileStatus> list(Path dir) throws IOException {
        FileStatus[] all = Storage.listStatus(fs(dir), dir);
        List<FileStatus> out = new ArrayList<>(Arrays.asList(all));
        out.sort(Comparator.comparing(s -> s.getPath().getName()));
        return out;
    }

    /**
     * The files of a folder whose names end with {@code extension}, sorted by name; other entries (sub-folders,
     * {@code Thumbs.db}, ...) are left out, as the reference codes' {@code glob("*.jpg")} does, and logged.
     */
    List<FileStatus> images(Path dir, String extension, String dataset) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (FileStatus s : list(dir)) {
            if (s.isFile() && s.getPath().getName().endsWith(extension)) out.add(s);
            else ignored.add(s.getPath().getName() + (s.isDirectory() ? "/" : ""));
        }
        if (!ignored.isEmpty()) {
            LOG.info("{}: ignored {} of {} ({}): not {} file{}", dataset,
                    ignored.size() == 1 ? "1 entry" : ignored.size() + " entries", dir,
                    String.join(", ", ignored.subList(0, Math.min(10, ignored.size()))) + (ignored.size() > 10 ? ", ..." : ""),
                    ignored.size() == 1 ? "a " + extension : extension, ignored.size() == 1 ? "" : "s");
        }
        return out;
    }

    /** The lines of a text file (UTF-8). */
    List<String> lines(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs(file).open(file), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) out.add(line);
        }
        return out;
    }

    /**
     * Where a layout lives: {@code root} itself when it holds {@code marker}, else the first of
     * {@code subfolders} below {@code root} that does (the folder names the datasets unpack to, and
     * torchreid's {@code <root>/<dataset>/<folder>} arrangement).
     *
     * @throws CatalogError naming the root and every place looked at
     */
    Path locate(String root, String dataset, String marker, List<String> subfolders) throws IOException {
        return locate(root, dataset, marker, subfolders, "");
    }

    /** {@link #locate(String, String, String, List)} with a hint appended to the error. */
    Path locate(String root, String dataset, String marker, List<String> subfolders, String hint) throws IOException {
        Path base = qualify(root);
        if (!isDirectory(base)) {
            throw new CatalogError(dataset + ": dataset root " + base + " does not exist or is not a folder"
                    + " (config key reid.data.root)");
        }
        List<String> tried = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        candidates.add(base);
        for (String s : subfolders) candidates.add(new Path(base, s));
        for (Path c : candidates) {
            Path m = new Path(c, marker);
            if (status(m) != null) return c;
            tried.add(m.toString());
        }
        throw new CatalogError(dataset + ": no " + dataset + " layout under " + base + "; looked for "
                + String.join(", ", tried) + hint);
    }
}
