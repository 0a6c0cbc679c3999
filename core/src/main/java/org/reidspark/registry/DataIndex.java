package org.reidspark.registry;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What a dataset holds, by content: one {@link Entry} per sample of its manifest with the SHA-256 of the image file's
 * bytes and the sample's labels. Its {@link #identity()} is a SHA-256 over the sorted {@link Entry#key()}s (content and
 * labels, not names or order): renaming or moving a file changes nothing, a new image, a removed image or a changed
 * label does. A data version of the registry stores its index ({@code files.tsv.gz}), and the next index reuses its
 * hashes for files whose uri, length and modification time are unchanged, so a scheduled run reads only new or
 * changed files.
 *
 * @param entries one per sample, in the manifest's order
 */
public record DataIndex(List<Entry> entries) {
    private static final Logger LOG = LoggerFactory.getLogger(DataIndex.class);
    private static final String HEADER = "uri\tlength\tmodified\tsha256\tpid\tcamid\tclothes\tsplit";

    /**
     * One sample.
     *
     * @param uri      the image file
     * @param length   its size in bytes
     * @param modified its modification time (epoch milliseconds)
     * @param sha256   SHA-256 of its bytes
     * @param pid      the dataset's person id
     * @param camid    camera id
     * @param clothes  clothes id (-1 where unknown)
     * @param split    train, query or gallery
     */
    public record Entry(String uri, long length, long modified, String sha256, int pid, int camid, int clothes, Split split) {
        public Entry {
            if (uri.indexOf('\t') >= 0 || uri.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("an image uri with a tab or line break cannot be indexed: " + uri);
            }
        }

        /** What identifies the sample's content: file hash and labels, not the name. */
        public String key() {
            return sha256 + '\t' + pid + '\t' + camid + '\t' + clothes + '\t' + split.lower();
        }
    }

    /**
     * What changed from one index to the next, as multisets of {@link Entry#key()} (an image renamed is neither added
     * nor removed; an image relabelled is both).
     */
    public record Changes(List<Entry> added, List<Entry> removed) {
        public boolean isEmpty() {
            return added.isEmpty() && removed.isEmpty();
        }

        /** Person ids of the training split that one side has and the other has not at all. */
        public static List<Integer> newTrainIdentities(DataIndex from, DataIndex to) {
            java.util.Set<Integer> before = from == null ? java.util.Set.of() : from.trainIdentities();
            return to.trainIdentities().stream().filter(p -> !before.contains(p)).sorted().toList();
        }
    }

    public DataIndex {
        entries = List.copyOf(entries);
    }

    /** SHA-256 over the sorted entry keys: the data's identity. */
    public String identity() {
        List<String> keys = new ArrayList<>(entries.size());
        for (Entry e : entries) keys.add(e.key());
        Collections.sort(keys);
        MessageDigest md = sha256();
        for (String k : keys) {
            md.update(k.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Images per split. */
    public Map<String, Integer> counts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (Split s : Split.values()) m.put(s.lower(), 0);
        for (Entry e : entries) m.merge(e.split().lower(), 1, Integer::sum);
        return m;
    }

    /** The person ids of the training split; none where it is unlabelled. */
    public java.util.Set<Integer> trainIdentities() {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        for (Entry e : entries) if (e.split() == Split.TRAIN && e.pid() != org.reidspark.data.Sample.UNLABELED) out.add(e.pid());
        return out;
    }

    /** The content hashes of one split's images. */
    public java.util.Set<String> hashes(Split split) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (Entry e : entries) if (e.split() == split) out.add(e.sha256());
        return out;
    }

    /** The entries this index has and {@code older} has not ({@code added}), and the reverse ({@code removed}). */
    public Changes since(DataIndex older) {
        Map<String, Integer> before = new HashMap<>();
        if (older != null) for (Entry e : older.entries) before.merge(e.key(), 1, Integer::sum);
        List<Entry> added = new ArrayList<>();
        for (Entry e : entries) {
            Integer n = before.get(e.key());
            if (n == null || n == 0) added.add(e);
            else before.put(e.key(), n - 1);
        }
        Map<String, Integer> now = new HashMap<>();
        for (Entry e : entries) now.merge(e.key(), 1, Integer::sum);
        List<Entry> removed = new ArrayList<>();
        if (older != null) {
            for (Entry e : older.entries) {
                Integer n = now.get(e.key());
                if (n == null || n == 0) removed.add(e);
                else now.put(e.key(), n - 1);
            }
        }
        return new Changes(added, removed);
    }

    /** What {@link #build} did: the index and how many files it read to hash. */
    public record Built(DataIndex index, int hashed, int reused) {
    }

    /**
     * The index of {@code manifest}'s samples: their files listed once below the manifest's root (sizes and times), and
     * hashed with {@code threads} readers unless {@code previous} holds the same uri with the same length and time.
     *
     * @throws IOException naming the file when one cannot be read (e.g. removed while the dataset was being read)
     */
    public static Built build(Storage storage, Manifest manifest, DataIndex previous, int threads) throws IOException {
        Map<String, FileStatus> listed = list(storage, manifest.root());
        Map<String, Entry> cache = new HashMap<>();
        if (previous != null) for (Entry e : previous.entries) cache.put(e.uri(), e);
        List<Sample> samples = manifest.samples();
        Entry[] out = new Entry[samples.size()];
        List<Integer> todo = new ArrayList<>();
        long[] lengths = new long[samples.size()];
        long[] times = new long[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            FileStatus st = listed.get(storage.qualified(s.uri()));
            if (st == null) st = status(storage, s.uri());
            lengths[i] = st.getLen();
            times[i] = st.getModificationTime();
            Entry known = cache.get(s.uri());
            if (known != null && known.length() == lengths[i] && known.modified() == times[i]) {
                out[i] = new Entry(s.uri(), lengths[i], times[i], known.sha256(), s.pid(), s.camid(), s.clothes(), s.split());
            } else {
                todo.add(i);
            }
        }
        if (!todo.isEmpty()) {
            LOG.info("hashing {} new or changed images of {} ({} unchanged) with {} threads", todo.size(), manifest.root(),
                    samples.size() - todo.size(), threads);
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, todo.size())), r -> {
                Thread t = new Thread(r, "data-index-hash");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<String>> hashes = new ArrayList<>();
                for (int i : todo) {
                    String uri = samples.get(i).uri();
                    hashes.add(pool.submit(() -> hash(storage, uri)));
                }
                for (int j = 0; j < todo.size(); j++) {
                    int i = todo.get(j);
                    Sample s = samples.get(i);
                    out[i] = new Entry(s.uri(), lengths[i], times[i], get(hashes.get(j), s.uri()), s.pid(), s.camid(),
                            s.clothes(), s.split());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        return new Built(new DataIndex(List.of(out)), todo.size(), samples.size() - todo.size());
    }

    private static String get(Future<String> f, String uri) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IOException("cannot read the image " + uri + " to hash it (was it removed or replaced while the dataset"
                    + " was being read?): " + c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing " + uri, e);
        }
    }

    /** SHA-256 of a file's bytes. */
    static String hash(Storage storage, String uri) throws IOException {
        Path p = Storage.path(uri);
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = storage.fs(p).open(p)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static Map<String, FileStatus> list(Storage storage, String root) throws IOException {
        Map<String, FileStatus> out = new HashMap<>();
        Path p = Storage.path(root);
        FileSystem fs = storage.fs(p);
        if (!fs.getFileStatus(p).isDirectory()) return out;
        for (FileStatus st : Storage.listFiles(fs, fs.makeQualified(p))) out.put(st.getPath().toString(), st);
        return out;
    }

    private static FileStatus status(Storage storage, String uri) throws IOException {
        Path p = Storage.path(uri);
        try {
            return storage.fs(p).getFileStatus(p);
        } catch (FileNotFoundException e) {
            throw new IOException("the image " + uri + " of the dataset's manifest is gone (removed while the dataset was being"
                    + " read?)", e);
        }
    }

    /** Writes the index as gzipped tab-separated lines with a header. */
    public void write(Storage storage, Path p) throws IOException {
        try (OutputStream os = storage.fs(p).create(p, true);
             Writer w = new OutputStreamWriter(new GZIPOutputStream(os), StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            for (Entry e : entries) {
                w.write(e.uri() + '\t' + e.length() + '\t' + e.modified() + '\t' + e.sha256() + '\t' + e.pid() + '\t'
                        + e.camid() + '\t' + e.clothes() + '\t' + e.split().lower() + '\n');
            }
        }
    }

    /** Reads an index {@link #write} wrote. */
    public static DataIndex read(Storage storage, Path p) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (InputStream is = storage.fs(p).open(p);
             BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(is), StandardCharsets.UTF_8))) {
            String header = r.readLine();
            if (!HEADER.equals(header)) throw new IOException(p + " is not a data index (header " + header + ")");
            int line = 1;
            for (String s = r.readLine(); s != null; s = r.readLine()) {
                line++;
                String[] f = s.split("\t", -1);
                if (f.length != 8) throw new IOException(p + " line " + line + ": " + f.length + " fields, expected 8");
                out.add(new Entry(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], Integer.parseInt(f[4]),
                        Integer.parseInt(f[5]), Integer.parseInt(f[6]), Split.valueOf(f[7].toUpperCase(java.util.Locale.ROOT))));
            }
        }
        return new DataIndex(out);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
