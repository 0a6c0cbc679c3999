package org.reidspark.data.catalog;

import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every catalog does once it has parsed names: drops junk (pid -1), relabels the training pids
 * 0..N-1 in ascending pid order, orders samples (train, query, gallery; by uri within a split), and
 * checks that the splits are usable: none of the required ones empty, and at least one query with a
 * true match that the same-camera filter of the evaluation protocol leaves in the gallery.
 */
final class ManifestBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestBuilder.class);
    /** The pid the datasets give junk images; such images never become samples. */
    static final int JUNK = -1;

    /** One image; {@code unlabeled}: a training image without a person ({@link Sample#unlabeled}). */
    private record Parsed(String uri, int pid, int camid, int clothes, boolean unlabeled) {
    }

    private final String dataset;
    private final String title;
    private final String root;
    private final Map<Split, List<Parsed>> parsed = new EnumMap<>(Split.class);
    private final Map<Split, Integer> junk = new EnumMap<>(Split.class);
    private final Map<Split, String> sources = new EnumMap<>(Split.class);

    /**
     * @param dataset the catalog's config name
     * @param title   the dataset's name for messages, e.g. "Market-1501"
     * @param root    the root the dataset was read from (fully qualified)
     */
    ManifestBuilder(String dataset, String title, String root) {
        this.dataset = dataset;
        this.title = title;
        this.root = root;
        for (Split s : Split.values()) {
            parsed.put(s, new ArrayList<>());
            junk.put(s, 0);
        }
    }

    /** Where a split comes from (a folder, a list file), for messages. */
    void source(Split split, String where) {
        sources.merge(split, where, (a, b) -> a + " and " + b);
    }

    /** One parsed image; pid -1 is counted as junk and dropped. */
    void add(Split split, String uri, int pid, int camid, int clothes) {
        if (pid == JUNK) {
            junk.merge(split, 1, Integer::sum);
            return;
        }
        parsed.get(split).add(new Parsed(uri, pid, camid, clothes, false));
    }

    /** One training image without a person (a CSV train row with an empty pid): becomes {@link Sample#unlabeled}. */
    void addUnlabeled(String uri, int camid) {
        parsed.get(Split.TRAIN).add(new Parsed(uri, Sample.UNLABELED, camid, Sample.UNLABELED, true));
    }

    int size(Split split) {
        return parsed.get(split).size();
    }

    /** Builds with every split required to hold samples. */
    Manifest build(String cameraAdvice) {
        return build(Set.of(Split.values()), cameraAdvice);
    }

    /**
     * @param required     splits that must not be empty
     * @param cameraAdvice how a user gives query and gallery images different cameras in this layout
     */
    Manifest build(Set<Split> required, String cameraAdvice) {
        for (Split s : Split.values()) {
            if (required.contains(s) && parsed.get(s).isEmpty()) {
                int j = junk.get(s);
                throw new CatalogError(title + ": the " + s.lower() + " split (" + sources.getOrDefault(s, root)
                        + ") has no images" + (j > 0 ? " other than " + j + " junk image" + (j == 1 ? "" : "s")
                        + " (pid -1)" : ""));
            }
        }
        checkQueries(cameraAdvice);

        TreeSet<Integer> trainPids = new TreeSet<>();
        for (Parsed p : parsed.get(Split.TRAIN)) if (!p.unlabeled()) trainPids.add(p.pid());
        Map<Integer, Integer> label = new HashMap<>();
        for (int pid : trainPids) label.put(pid, label.size());

        List<Sample> samples = new ArrayList<>();
        for (Split s : Split.values()) {
            List<Parsed> list = new ArrayList<>(parsed.get(s));
            list.sort(Comparator.comparing(Parsed::uri));
            for (Parsed p : list) {
                if (p.unlabeled()) {
                    samples.add(Sample.unlabeled(p.uri(), p.camid()));
                    continue;
                }
                samples.add(new Sample(p.uri(), p.pid(), s == Split.TRAIN ? label.get(p.pid()) : -1,
                        p.camid(), p.clothes(), s));
            }
        }
        Manifest m = new Manifest(dataset, root, samples);
        log(m);
        return m;
    }

    /** The same-camera filter must leave at least one query with a true match; warns when some have none. */
    private void checkQueries(String cameraAdvice) {
        List<Parsed> query = parsed.get(Split.QUERY);
        List<Parsed> gallery = parsed.get(Split.GALLERY);
        if (query.isEmpty() || gallery.isEmpty()) return;
        Map<Integer, Set<Integer>> galleryCams = new HashMap<>();
        Set<Integer> cams = new TreeSet<>();
        for (Parsed g : gallery) {
            galleryCams.computeIfAbsent(g.pid(), k -> new HashSet<>()).add(g.camid());
            cams.add(g.camid());
        }
        int valid = 0;
        int inGallery = 0;
        for (Parsed q : query) {
            cams.add(q.camid());
            Set<Integer> gc = galleryCams.get(q.pid());
            if (gc == null) continue;
            inGallery++;
            if (gc.size() > 1 || !gc.contains(q.camid())) valid++;
        }
        if (valid > 0) {
            if (valid < query.size()) {
                LOG.warn("{}: {} of {} queries have no gallery image of their person from another camera;"
                        + " evaluation skips them", title, query.size() - valid, query.size());
            }
            return;
        }
        String why;
        if (inGallery == 0) {
            throw new CatalogError(title + ": no query person appears in the gallery (" + sources.get(Split.QUERY)
                    + " vs " + sources.get(Split.GALLERY) + "), so no query can be evaluated;"
                    + " the gallery must hold other images of the query persons");
        } else if (cams.size() == 1) {
            why = "every query and gallery image has camera id " + cams.iterator().next();
        } else {
            why = "every gallery image of a query's person has the query's own camera id";
        }
        throw new CatalogError(title + ": no query can be evaluated: " + why + ". The standard re-ID evaluation"
                + " (Market-1501 protocol, as in torchreid, fast-reid and BoT) removes from the gallery the images"
                + " of the query's person taken by the query's camera before ranking, so every query would be left"
                + " without a true match. " + cameraAdvice);
    }

    private void log(Manifest m) {
        StringBuilder b = new StringBuilder();
        b.append(title).append(" (").append(root).append("):");
        for (Split s : Split.values()) {
            List<Sample> l = m.split(s);
            if (l.isEmpty()) continue;
            Set<Integer> pids = new HashSet<>();
            Set<Integer> cams = new TreeSet<>();
            Set<Integer> clothes = new HashSet<>();
            boolean unlabeled = false;
            for (Sample x : l) {
                if (x.isLabeled()) pids.add(x.pid());
                else unlabeled = true;
                cams.add(x.camid());
                if (x.clothes() >= 0) clothes.add(x.clothes());
            }
            b.append(String.format("%s %s %d images, %d ids, %d cameras%s", b.charAt(b.length() - 1) == ':' ? "" : ";",
                    s.lower(), l.size(), pids.size(), cams.size(), clothes.isEmpty() ? "" : ", " + clothes.size() + " clothes"));
            if (unlabeled) b.append(" (unlabelled)");
        }
        int j = 0;
        for (int v : junk.values()) j += v;
        if (j > 0) b.append("; dropped ").append(j).append(" junk images (pid -1)");
        LOG.info(b.toString());
    }

    /**
     * Numbers string clothes keys 0..C-1: the training split's keys first in ascending order, then every other
     * key in ascending order, so the training classes are contiguous from 0 and every key has one class over the
     * dataset. Keys must already be per person (e.g. {@code 001_1}: pid 1's outfit 1).
     */
    static Map<String, Integer> clothesClasses(Set<String> trainKeys, Set<String> otherKeys) {
        Map<String, Integer> out = new TreeMap<>();
        for (String k : new TreeSet<>(trainKeys)) out.put(k, out.size());
        for (String k : new TreeSet<>(otherKeys)) out.putIfAbsent(k, out.size());
        return out;
    }
}
