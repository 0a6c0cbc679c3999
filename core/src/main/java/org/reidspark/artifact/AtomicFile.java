package org.reidspark.artifact;

import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * Small files (a registry's pointers, records and lease, a run's lock) written whole or not at all: a reader sees the
 * old contents or the new, never a mix, a truncated file or no file at all.
 * <ul>
 *   <li>Local disks ({@code file:}): written to a hidden temporary sibling, then moved over the file with one
 *       {@code rename(2)} ({@link StandardCopyOption#ATOMIC_MOVE}); created exclusively by a hard link of the
 *       temporary file, which fails when the name exists.</li>
 *   <li>HDFS ({@code hdfs:}): a temporary sibling renamed with {@link FileContext#rename} (overwriting, or not), one
 *       atomic step of the NameNode.</li>
 *   <li>Object stores ({@code s3a:} and other schemes): one PUT of the whole object, which S3 makes visible at once
 *       (and, since 2020, strongly consistent for every reader). S3 has no exclusive create through S3A here, so
 *       {@link #createIfAbsent} is a check and a write there, not one step; the registry's lease allows for that.</li>
 * </ul>
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Replaces (or creates) {@code p} with {@code text} in one step. */
    public static void replace(Storage storage, Path p, String text) throws IOException {
        switch (kind(p)) {
            case LOCAL -> {
                java.nio.file.Path target = local(p);
                Files.createDirectories(target.getParent());
                java.nio.file.Path tmp = temporary(target);
                try {
                    Files.writeString(tmp, text, StandardCharsets.UTF_8);
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            case HDFS -> renamed(storage, p, text, Options.Rename.OVERWRITE);
            case OBJECT_STORE -> storage.writeString(p, text);
        }
    }

    /**
     * Creates {@code p} with {@code text} unless it exists; returns false (and changes nothing) when it does. One step on
     * local disks and HDFS; on object stores a check followed by a write (two writers may both succeed).
     */
    public static boolean createIfAbsent(Storage storage, Path p, String text) throws IOException {
        switch (kind(p)) {
            case LOCAL -> {
                java.nio.file.Path target = local(p);
                Files.createDirectories(target.getParent());
                java.nio.file.Path tmp = temporary(target);
                try {
                    Files.writeString(tmp, text, StandardCharsets.UTF_8);
                    Files.createLink(target, tmp);
                    return true;
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    return false;
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            case HDFS -> {
                try {
                    renamed(storage, p, text, Options.Rename.NONE);
                    return true;
                } catch (FileAlreadyExistsException e) {
                    return false;
                }
            }
            default -> {
                if (storage.exists(p)) return false;
                storage.writeString(p, text);
                return true;
            }
        }
    }

    /**
     * The text of {@code p}, or empty when there is no such file. On an object store a read that a writer's
     * {@link #replace} overtook is read again, up to {@value #READ_ATTEMPTS} times, and gets the new contents. Two
     * signs of an overtaken read: S3A's change detection ({@code RemoteFileChangedException}, "Change reported by S3
     * during open"), and a length that is not the object's length after the read: S3A reads up to the length its open
     * saw, so a replacement of another length between the open and the GET came back cut or short (seen with s3proxy,
     * which answered one version's headers with the next version's bytes: {@code RegistryS3Test}).
     */
    public static Optional<String> read(Storage storage, Path p) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                byte[] bytes = storage.readBytes(p);
                if (kind(p) != Kind.OBJECT_STORE) return Optional.of(new String(bytes, StandardCharsets.UTF_8));
                long after = storage.fs(p).getFileStatus(p).getLen();
                if (after == bytes.length) return Optional.of(new String(bytes, StandardCharsets.UTF_8));
                if (attempt == READ_ATTEMPTS) {
                    throw new IOException(p + " was replaced during each of " + READ_ATTEMPTS + " reads (read "
                            + bytes.length + " bytes, the object now has " + after + ")");
                }
            } catch (FileNotFoundException e) {
                return Optional.empty();
            } catch (IOException e) {
                if (!replacedWhileRead(e) || attempt == READ_ATTEMPTS) throw e;
            }
        }
    }

    private static final int READ_ATTEMPTS = 5;

    /** Whether {@code e} says the object was replaced between the open and the read (S3A, which core does not link). */
    private static boolean replacedWhileRead(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getName().equals("org.apache.hadoop.fs.s3a.RemoteFileChangedException")) return true;
            if (c instanceof java.io.EOFException) return true; // a shorter replacement came back for the open's length
        }
        return false;
    }

    /** Deletes {@code p} if it exists. */
    public static void delete(Storage storage, Path p) throws IOException {
        storage.fs(p).delete(p, false);
    }

    private enum Kind { LOCAL, HDFS, OBJECT_STORE }

    private static Kind kind(Path p) {
        String scheme = p.toUri().getScheme();
        if (scheme == null || scheme.equals("file")) return Kind.LOCAL;
        if (scheme.equals("hdfs")) return Kind.HDFS;
        return Kind.OBJECT_STORE;
    }

    private static java.nio.file.Path local(Path p) {
        return java.nio.file.Path.of(p.toUri().getScheme() == null ? new java.io.File(p.toString()).toURI() : p.toUri());
    }

    private static java.nio.file.Path temporary(java.nio.file.Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    private static void renamed(Storage storage, Path p, String text, Options.Rename mode) throws IOException {
        Path tmp = new Path(p.getParent(), "." + p.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            storage.writeString(tmp, text);
            FileContext.getFileContext(p.toUri(), storage.hadoop()).rename(tmp, p, mode);
        } finally {
            storage.fs(tmp).delete(tmp, false);
        }
    }
}
