package org.reidspark.artifact;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.reidspark.config.S3Config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Access to any Hadoop FileSystem (local paths, {@code file:}, {@code s3a://}, {@code hdfs://}) with the
 * project's S3 settings applied. A plain path with no scheme is a local path.
 */
public final class Storage {
    private final Configuration hadoop;
    private volatile LocalFiles local; // made at first use: see fs

    public Storage(Configuration hadoop) {
        this.hadoop = hadoop;
    }

    /** A Hadoop configuration with {@code s3}'s {@code fs.s3a.*} properties applied. */
    public static Configuration hadoopConfiguration(S3Config s3) {
        Configuration conf = new Configuration();
        for (Map.Entry<String, String> e : s3.hadoopProperties().entrySet()) conf.set(e.getKey(), e.getValue());
        return conf;
    }

    public static Storage of(S3Config s3) {
        return new Storage(hadoopConfiguration(s3));
    }

    public Configuration hadoop() {
        return hadoop;
    }

    /**
     * {@code location} as a qualified Hadoop path: a location with a scheme ({@code s3a://b/k}, {@code file:/x}) as
     * Hadoop parses it; a bare local path becomes an absolute {@code file:} path, whatever characters its names hold
     * (spaces, commas, quotes, {@code %}, {@code #}, non-ASCII letters), without a trailing '/' (so
     * {@link Path#getName()} is the folder's name).
     */
    public static Path path(String location) {
        if (location.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) return new Path(location);
        String p = new java.io.File(location).getAbsolutePath();
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return new Path("file", null, p);
    }

    /**
     * {@code location} fully qualified by its file system ({@link #path}, then {@link FileSystem#makeQualified}), as a
     * string: one spelling per location, so that two spellings of one place (relative and absolute, with or without
     * {@code file:}) compare equal.
     */
    public String qualified(String location) {
        return qualifiedPath(location).toString();
    }

    /** {@code location} fully qualified by its file system, as a Hadoop path ({@link #qualified} as a string). */
    public Path qualifiedPath(String location) {
        Path p = path(location);
        return fs(p).makeQualified(p);
    }

    /**
     * The file system of {@code p}; checksum side files ({@code .name.crc}) are not written on local disks. For Hadoop's
     * own local file system (not another {@code fs.file.impl}) this storage's {@link LocalFiles}: the same files, with
     * no {@code chmod} process per file or folder created.
     */
    public FileSystem fs(Path p) {
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            fs.setWriteChecksum(false);
            return fs.getClass() == org.apache.hadoop.fs.LocalFileSystem.class ? localFiles() : fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open file system for " + p + ": " + e.getMessage(), e);
        }
    }

    private LocalFiles localFiles() throws IOException {
        LocalFiles fs = local;
        if (fs == null) {
            synchronized (this) {
                if (local == null) {
                    LocalFiles made = new LocalFiles();
                    made.initialize(java.net.URI.create("file:///"), hadoop);
                    made.setWriteChecksum(false);
                    local = made;
                }
                fs = local;
            }
        }
        return fs;
    }

    /**
     * Every file below the folder {@code dir} of {@code fs}, at any depth (folders themselves are not listed), with
     * qualified paths, lengths and modification times, in no particular order. On object stores and HDFS one
     * recursive {@link FileSystem#listFiles} (on S3A a single paged listing); on the local file system a walk of
     * {@link #listStatus}, because there Hadoop's {@code listFiles} builds a {@code LocatedFileStatus} per
     * file, which reads the file's owner and permissions by starting a {@code stat} process: 26 s against 0.23 s for
     * the 3,122 files of the default synthetic benchmark on this project's 2-core machine (docs/performance.md).
     */
    public static List<FileStatus> listFiles(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        if ("file".equals(fs.getUri().getScheme())) {
            walk(fs, fs.makeQualified(dir), out);
        } else {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    private static void walk(FileSystem fs, Path dir, List<FileStatus> out) throws IOException {
        for (FileStatus s : listStatus(fs, dir)) {
            if (s.isDirectory()) walk(fs, s.getPath(), out);
            else out.add(s);
        }
    }

    /**
     * The entries of the folder {@code dir} of {@code fs}, as {@link FileSystem#listStatus} gives them (qualified paths,
     * lengths, modification times, the file system's block size; a file's own status for a file), in no particular
     * order. On Hadoop's own local file system (or {@link LocalFiles}; not another subclass or {@code fs.file.impl})
     * each entry costs one {@code stat} here instead of Hadoop's several file queries and path qualifications:
     * {@link #listFiles} of the 15,040 images of {@code submit/extract-bench} in 0.08-0.30 s against 0.23-0.46 s
     * (docs/performance.md). Owners and permissions are not read (Hadoop's local statuses read them lazily, by starting
     * a process).
     */
    public static FileStatus[] listStatus(FileSystem fs, Path dir) throws IOException {
        Class<?> kind = fs.getClass();
        if (kind != org.apache.hadoop.fs.LocalFileSystem.class && kind != LocalFiles.class) return fs.listStatus(dir);
        Path q = fs.makeQualified(dir);
        java.io.File folder = new java.io.File(q.toUri().getPath());
        String[] names = folder.isDirectory() ? folder.list() : null;
        if (names == null) return fs.listStatus(dir); // a file, a missing or unreadable folder: Hadoop's answer and errors
        long blockSize = fs.getDefaultBlockSize(q);
        List<FileStatus> out = new ArrayList<>(names.length);
        for (String name : names) {
            java.nio.file.attribute.BasicFileAttributes a;
            try {
                a = java.nio.file.Files.readAttributes(new java.io.File(folder, name).toPath(),
                        java.nio.file.attribute.BasicFileAttributes.class);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // removed meanwhile (or a broken link), as Hadoop's listing skips it
            }
            out.add(new FileStatus(a.size(), a.isDirectory(), 1, blockSize, a.lastModifiedTime().toMillis(),
                    new Path(q, new Path(null, null, name))));
        }
        return out.toArray(new FileStatus[0]);
    }

    public boolean exists(Path p) throws IOException {
        return fs(p).exists(p);
    }

    public void writeString(Path p, String text) throws IOException {
        try (OutputStream out = fs(p).create(p, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    public String readString(Path p) throws IOException {
        return new String(readBytes(p), StandardCharsets.UTF_8);
    }

    /**
     * The whole file at {@code p}. A file of the default local file system ({@code file:} with Hadoop's own
     * {@code LocalFileSystem}, not one configured through {@code fs.file.impl}) that has no checksum side file
     * ({@code .name.crc}) is read straight from the disk: through Hadoop, the file-system lookup, the check for the side
     * file and the stream wrappers cost 0.05-0.2 ms per open, more than reading a small image itself (a quarter of
     * reading, decoding and resizing one of the synthetic benchmark's JPEGs; docs/performance.md, "Extraction at the
     * compute rate"). Where a side file exists Hadoop reads the file and verifies it. Either way a missing file, a folder
     * or a file that cannot be opened is a {@link java.io.FileNotFoundException}, as Hadoop's local file system has it.
     */
    public byte[] readBytes(Path p) throws IOException {
        java.io.File local = plainLocalFile(p);
        if (local != null && !new java.io.File(local.getParentFile(), "." + local.getName() + ".crc").exists()) {
            try (InputStream in = new java.io.FileInputStream(local)) {
                return in.readAllBytes();
            }
        }
        try (InputStream in = fs(p).open(p)) {
            return in.readAllBytes();
        }
    }

    /** The file {@code p} names when it is on the default local file system, else null. */
    private java.io.File plainLocalFile(Path p) {
        java.net.URI uri = p.toUri();
        if (!"file".equals(uri.getScheme()) || uri.getAuthority() != null || hadoop.get("fs.file.impl") != null) return null;
        java.io.File f = new java.io.File(uri.getPath());
        return f.isAbsolute() && f.getParentFile() != null ? f : null;
    }
}
