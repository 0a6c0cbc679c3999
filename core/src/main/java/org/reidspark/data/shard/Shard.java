package org.reidspark.data.shard;

import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.RgbImage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One identity shard held in memory, as a training or evaluation task reads it back: its samples in key
 * (manifest) order and their images, already decoded and resized. {@link #images()} is the
 * {@link ImageSource} a batch loader reads from, so training never decodes again.
 */
public final class Shard {
    private final Split split;
    private final int id;
    private final long[] keys;
    private final List<Sample> samples;
    private final List<RgbImage> pixels;
    private final Map<String, RgbImage> byUri;
    private final Map<String, List<RgbImage>> copies;

    private Shard(Split split, int id, long[] keys, List<Sample> samples, List<RgbImage> pixels,
                  Map<String, List<RgbImage>> copies) {
        this.split = split;
        this.id = id;
        this.keys = keys;
        this.samples = List.copyOf(samples);
        this.pixels = List.copyOf(pixels);
        Map<String, RgbImage> m = new HashMap<>();
        for (int i = 0; i < samples.size(); i++) m.put(samples.get(i).uri(), pixels.get(i));
        this.byUri = m;
        this.copies = copies;
    }

    /**
     * This shard with stored copies of its images (the {@code augment} job's surrogates), by key, each list in copy
     * order: {@link #images()} then serves them ({@link ImageSource#copies}). Every sample needs the same number of
     * copies, at least one; a key that is not in the shard is an error.
     */
    public Shard withCopies(Map<Long, List<RgbImage>> byKey) {
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < keys.length; i++) index.put(keys[i], i);
        for (Long k : byKey.keySet()) {
            if (!index.containsKey(k)) throw new IllegalArgumentException("copies of key " + k + ", which is not in " + this);
        }
        Map<String, List<RgbImage>> m = new HashMap<>();
        int expected = -1;
        for (int i = 0; i < keys.length; i++) {
            List<RgbImage> c = byKey.get(keys[i]);
            int n = c == null ? 0 : c.size();
            if (expected < 0) expected = n;
            if (n == 0 || n != expected) {
                throw new IllegalArgumentException(samples.get(i).uri() + " (key " + keys[i] + ") has " + n + " stored copies in "
                        + this + (n == 0 ? "" : ", others " + expected));
            }
            m.put(samples.get(i).uri(), List.copyOf(c));
        }
        return new Shard(split, id, keys, samples, pixels, m);
    }

    /** Stored copies per image ({@link #withCopies}); 0 when none. */
    public int copiesPerImage() {
        return copies.isEmpty() ? 0 : copies.values().iterator().next().size();
    }

    public static Builder builder(Split split, int id) {
        return new Builder(split, id);
    }

    public Split split() {
        return split;
    }

    /** The shard's id within its split. */
    public int id() {
        return id;
    }

    public int size() {
        return samples.size();
    }

    /** The samples, ordered by key. */
    public List<Sample> samples() {
        return samples;
    }

    /** The key (manifest index) of the {@code i}-th sample. */
    /** The samples' keys, in the order of {@link #samples()}. */
    public long[] keys() {
        long[] k = new long[size()];
        for (int i = 0; i < k.length; i++) k[i] = key(i);
        return k;
    }

    public long key(int i) {
        return keys[i];
    }

    /** The image of the {@code i}-th sample. */
    public RgbImage image(int i) {
        return pixels.get(i);
    }

    /** The shard's images by uri, for a batch loader, with their stored copies if any ({@link #withCopies}). */
    public ImageSource images() {
        ImageSource own = ImageSource.of(byUri);
        return copies.isEmpty() ? own : ImageSource.withCopies(own, copies);
    }

    /** The persons (pids) in this shard; none for unlabelled samples ({@link Sample#unlabeled}). */
    public Set<Integer> pids() {
        Set<Integer> out = new TreeSet<>();
        for (Sample s : samples) if (s.isLabeled()) out.add(s.pid());
        return out;
    }

    @Override
    public String toString() {
        return "Shard[" + split.lower() + " " + id + ", " + samples.size() + " images]";
    }

    /** Collects a shard's rows in any order. */
    public static final class Builder {
        private record Entry(long key, Sample sample, RgbImage image) {
        }

        private final Split split;
        private final int id;
        private final List<Entry> entries = new ArrayList<>();

        private Builder(Split split, int id) {
            this.split = split;
            this.id = id;
        }

        public Builder add(long key, Sample sample, RgbImage image) {
            if (sample.split() != split) {
                throw new IllegalArgumentException("a " + sample.split().lower() + " sample in " + split.lower()
                        + " shard " + id + ": " + sample.uri());
            }
            entries.add(new Entry(key, sample, image));
            return this;
        }

        /** The shard, samples ordered by key; a key or uri that occurs twice is an error. */
        public Shard build() {
            List<Entry> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.comparingLong(Entry::key));
            long[] keys = new long[sorted.size()];
            List<Sample> samples = new ArrayList<>();
            List<RgbImage> images = new ArrayList<>();
            Set<String> uris = new java.util.HashSet<>();
            for (int i = 0; i < sorted.size(); i++) {
                Entry e = sorted.get(i);
                if (i > 0 && keys[i - 1] == e.key()) {
                    throw new IllegalArgumentException("key " + e.key() + " twice in " + split.lower() + " shard " + id);
                }
                if (!uris.add(e.sample().uri())) {
                    throw new IllegalArgumentException("image " + e.sample().uri() + " twice in " + split.lower() + " shard " + id);
                }
                keys[i] = e.key();
                samples.add(e.sample());
                images.add(e.image());
            }
            return new Shard(split, id, keys, Collections.unmodifiableList(samples), images, Map.of());
        }
    }
}
