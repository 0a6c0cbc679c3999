package org.reidspark.data.shard;

import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a shard job found, per sample (ok or bad with a reason), summed up: counts per split and shard,
 * the bad fraction and its check against the configured limit, the bad-image list as CSV, and the
 * {@code shard.json} contents.
 */
public final class ShardSummary {
    /** How many bad images an error message names. */
    static final int SHOWN = 10;

    /** One sample's outcome: {@code problem} is null when its image was decoded. */
    public record Item(long key, Sample sample, int shard, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    private final List<Item> items;
    private final List<Item> bad;

    /** @param items every sample's outcome, in any order */
    public ShardSummary(List<Item> items) {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingLong(Item::key));
        this.items = List.copyOf(sorted);
        List<Item> b = new ArrayList<>();
        for (Item i : sorted) if (!i.ok()) b.add(i);
        this.bad = List.copyOf(b);
    }

    public int total() {
        return items.size();
    }

    public int bad() {
        return bad.size();
    }

    public double badFraction() {
        return items.isEmpty() ? 0 : (double) bad.size() / items.size();
    }

    /** The bad samples, by key. */
    public List<Item> badItems() {
        return bad;
    }

    /**
     * Fails when the bad fraction exceeds {@code maxBadFraction} (the fraction equal to the limit passes).
     *
     * @throws BadImagesError with the counts, the limit and the first bad images
     */
    public void check(double maxBadFraction) {
        if (badFraction() <= maxBadFraction) return;
        StringBuilder sb = new StringBuilder();
        sb.append(bad.size()).append(" of ").append(items.size()).append(" images (")
                .append(String.format(Locale.ROOT, "%.2f%%", 100 * badFraction()))
                .append(") could not be read or decoded; reid.shard.max-bad-fraction = ").append(maxBadFraction)
                .append(" allows at most ").append((long) Math.floor(maxBadFraction * items.size() + 1e-9))
                .append(". Bad images: ");
        for (int i = 0; i < Math.min(SHOWN, bad.size()); i++) {
            if (i > 0) sb.append("; ");
            sb.append(bad.get(i).sample().uri()).append(" (").append(bad.get(i).problem()).append(')');
        }
        if (bad.size() > SHOWN) sb.append("; and ").append(bad.size() - SHOWN).append(" more");
        throw new BadImagesError(sb.toString());
    }

    /** {@code key,uri,split,pid,camid,problem}, one line per bad image, by key; RFC 4180 quoting. */
    public String badImagesCsv() {
        StringBuilder sb = new StringBuilder("key,uri,split,pid,camid,problem\n");
        for (Item i : bad) {
            Sample s = i.sample();
            sb.append(i.key()).append(',').append(csv(s.uri())).append(',').append(s.split().lower()).append(',')
                    .append(s.pid()).append(',').append(s.camid()).append(',').append(csv(i.problem())).append('\n');
        }
        return sb.toString();
    }

    /** {@code v} as one CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
    public static String csv(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    /**
     * Counts per split and per shard: {@code images} (decoded, in the shard), {@code bad} and {@code identities}
     * (persons with at least one decoded image; 0 where the split is unlabelled).
     */
    public Map<String, Object> counts() {
        Map<String, Object> splits = new LinkedHashMap<>();
        List<Map<String, Object>> shards = new ArrayList<>();
        Map<Split, Map<Integer, int[]>> perShard = new EnumMap<>(Split.class);
        Map<Split, Map<Integer, Set<Integer>>> persons = new EnumMap<>(Split.class);
        for (Item i : items) {
            Split sp = i.sample().split();
            int[] c = perShard.computeIfAbsent(sp, k -> new java.util.TreeMap<>()).computeIfAbsent(i.shard(), k -> new int[2]);
            if (i.ok()) {
                c[0]++;
                Set<Integer> p = persons.computeIfAbsent(sp, k -> new java.util.TreeMap<>())
                        .computeIfAbsent(i.shard(), k -> new HashSet<>());
                if (i.sample().isLabeled()) p.add(i.sample().pid());
            } else {
                c[1]++;
            }
        }
        for (Split sp : Split.values()) {
            Map<Integer, int[]> m = perShard.get(sp);
            if (m == null) continue;
            int images = 0;
            int badCount = 0;
            Set<Integer> ids = new HashSet<>();
            for (Map.Entry<Integer, int[]> e : m.entrySet()) {
                Set<Integer> p = persons.getOrDefault(sp, Map.of()).getOrDefault(e.getKey(), Set.of());
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("split", sp.lower());
                one.put("shard", e.getKey());
                one.put("images", e.getValue()[0]);
                one.put("bad", e.getValue()[1]);
                one.put("identities", p.size());
                shards.add(one);
                images += e.getValue()[0];
                badCount += e.getValue()[1];
                ids.addAll(p);
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("shards", m.size());
            s.put("images", images);
            s.put("bad", badCount);
            s.put("identities", ids.size());
            splits.put(sp.lower(), s);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("samples", total());
        out.put("ok", total() - bad());
        out.put("bad", bad());
        out.put("badFraction", badFraction());
        out.put("splits", splits);
        out.put("shards", shards);
        return out;
    }
}
