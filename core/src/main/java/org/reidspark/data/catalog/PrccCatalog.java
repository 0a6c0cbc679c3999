package org.reidspark.data.catalog;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * PRCC (Yang et al., TPAMI 2019, https://doi.org/10.1109/TPAMI.2019.2960509), the RGB images, read as CAL's
 * {@code data/datasets/prcc.py}:
 * <ul>
 *   <li>train: {@code prcc/rgb/train/<pid>/<A|B|C>_*.jpg}; the file name's first letter is the camera
 *       (A 0, B 1, C 2). Cameras A and B see the same outfit, C another, so each person has two clothes classes,
 *       numbered in ascending order of CAL's keys ({@code <pid>} for A and B, {@code <pid>C} for C).</li>
 *   <li>test: {@code prcc/rgb/test/<A|B|C>/<pid>/*.jpg}; the folder is the camera. A is the gallery, B the
 *       same-clothes query set and C the clothes-changing query set; which one (or both) becomes the query split
 *       is {@link QuerySet}. A test person with index i among the gallery's persons (ascending pid) has clothes
 *       classes T+2i (A, B) and T+2i+1 (C), T being the number of training classes, as CAL numbers them (plus T).</li>
 * </ul>
 * {@code prcc/rgb/val} is not read (CAL reads it for statistics only and never trains on it). The full dataset
 * reads as 150 training ids, 71 test ids, 3 cameras. The root may be the folder holding {@code rgb}, or a
 * parent of {@code prcc}.
 */
public final class PrccCatalog implements Catalog {
    public static final String NAME = "prcc";
    private static final String TITLE = "PRCC";
    private static final Logger LOG = LoggerFactory.getLogger(PrccCatalog.class);
    private static final String TRAIN_RULE = "rgb/train/<pid>/<A|B|C>_<name>.jpg, e.g. rgb/train/001/A_cropped_rgb001.jpg";
    private static final String TEST_RULE = "rgb/test/<A|B|C>/<pid>/<name>.jpg, e.g. rgb/test/C/003/cropped_rgb010.jpg";

    /** Which test cameras become the query split (gallery: camera A). */
    public enum QuerySet {
        /** Camera B: same clothes as the gallery. */
        SAME_CLOTHES("B"),
        /** Camera C: other clothes than the gallery. */
        CLOTHES_CHANGING("C"),
        /**
         * Cameras B and C together: the clothes-changing protocol then evaluates the C queries against A (the B queries
         * have no match in other clothes and are skipped) and the same-clothes protocol the B queries (the C queries
         * have none in the same clothes), so one evaluation with {@code reid.eval.also-protocols} gives both of CAL's
         * PRCC figures ({@code test_prcc}: each query set ranked against A).
         */
        BOTH("B", "C");

        final List<String> cameras;

        QuerySet(String... cameras) {
            this.cameras = List.of(cameras);
        }

        /** The config spelling: {@code same-clothes} or {@code clothes-changing}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static QuerySet byKey(String key) {
            for (QuerySet q : values()) if (q.key().equals(key)) return q;
            throw new IllegalArgumentException("unknown PRCC query set " + key);
        }
    }

    private record Parsed(Split split, String uri, int pid, int camid, String clothes) {
    }

    private final QuerySet querySet;

    public PrccCatalog(QuerySet querySet) {
        this.querySet = querySet;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Manifest read(Storage storage, String root) throws IOException {
        Folders folders = new Folders(storage);
        Path base = folders.locate(root, TITLE, "rgb/train", List.of("prcc"));
        Path trainDir = new Path(base, "rgb/train");
        Path testDir = new Path(base, "rgb/test");
        ManifestBuilder builder = new ManifestBuilder(NAME, TITLE, base.toString());
        BadNames bad = new BadNames(TITLE);

        // train
        builder.source(Split.TRAIN, trainDir.toString());
        List<Parsed> train = new ArrayList<>();
        for (Path f : jpgs(folders, trainDir)) {
            List<String> rel = relative(trainDir, f);
            if (rel.size() != 2) {
                bad.add(f, "not in a person folder directly below " + trainDir, TRAIN_RULE);
                continue;
            }
            Integer pid = pid(rel.get(0));
            char cam = rel.get(1).charAt(0);
            if (pid == null) {
                bad.add(f, "person folder \"" + rel.get(0) + "\" is not a number", TRAIN_RULE);
            } else if (cam != 'A' && cam != 'B' && cam != 'C') {
                bad.add(f, "the name does not start with the camera letter A, B or C", TRAIN_RULE);
            } else {
                train.add(new Parsed(Split.TRAIN, f.toString(), pid, cam - 'A', cam == 'C' ? rel.get(0) + "C" : rel.get(0)));
            }
        }

        // test: A gallery, B same-clothes query, C clothes-changing query
        Map<String, List<Parsed>> test = new HashMap<>();
        TreeSet<Integer> galleryPids = new TreeSet<>();
        for (String cam : List.of("A", "B", "C")) {
            Path camDir = new Path(testDir, cam);
            List<Parsed> list = new ArrayList<>();
            test.put(cam, list);
            boolean used = cam.equals("A") || querySet.cameras.contains(cam);
            if (!folders.isDirectory(camDir)) {
                if (used) {
                    throw new CatalogError(TITLE + ": the test folder " + camDir + " is missing; PRCC needs rgb/test/A"
                            + " (gallery), rgb/test/B (same-clothes query) and rgb/test/C (clothes-changing query) in "
                            + base);
                }
                continue;
            }
            for (Path f : jpgs(folders, camDir)) {
                List<String> rel = relative(camDir, f);
                Integer pid = rel.size() == 2 ? pid(rel.get(0)) : null;
                if (rel.size() != 2) {
                    bad.add(f, "not in a person folder directly below " + camDir, TEST_RULE);
                } else if (pid == null) {
                    bad.add(f, "person folder \"" + rel.get(0) + "\" is not a number", TEST_RULE);
                } else {
                    list.add(new Parsed(cam.equals("A") ? Split.GALLERY : Split.QUERY, f.toString(), pid,
                            cam.charAt(0) - 'A', cam));
                    if (cam.equals("A")) galleryPids.add(pid);
                }
            }
        }
        Map<Integer, Integer> testIndex = new HashMap<>();
        for (int pid : galleryPids) testIndex.put(pid, testIndex.size());
        for (String cam : List.of("B", "C")) {
            Set<Integer> reported = new HashSet<>();
            for (Parsed p : test.get(cam)) {
                if (!testIndex.containsKey(p.pid()) && reported.add(p.pid())) {
                    bad.add(new Path(new Path(testDir, cam), Integer.toString(p.pid())),
                            "person " + p.pid() + " has no gallery folder in " + new Path(testDir, "A"), TEST_RULE);
                }
            }
        }
        bad.throwIfAny();

        Set<String> trainKeys = new HashSet<>();
        for (Parsed p : train) trainKeys.add(p.clothes());
        Map<String, Integer> clothes = ManifestBuilder.clothesClasses(trainKeys, Set.of());
        for (Parsed p : train) builder.add(Split.TRAIN, p.uri(), p.pid(), p.camid(), clothes.get(p.clothes()));
        int offset = clothes.size();
        builder.source(Split.GALLERY, new Path(testDir, "A").toString());
        builder.source(Split.QUERY, querySet.cameras.stream().map(c -> new Path(testDir, c).toString())
                .reduce((a, b) -> a + " and " + b).orElseThrow());
        for (Parsed p : test.get("A")) builder.add(Split.GALLERY, p.uri(), p.pid(), p.camid(), offset + 2 * testIndex.get(p.pid()));
        for (String cam : querySet.cameras) {
            int outfit = cam.equals("C") ? 1 : 0;
            for (Parsed p : test.get(cam)) builder.add(Split.QUERY, p.uri(), p.pid(), p.camid(), offset + 2 * testIndex.get(p.pid()) + outfit);
        }
        LOG.info("PRCC: query split is the {} set (test camera {})", querySet.key(), String.join(" and ", querySet.cameras));
        return builder.build("In this layout the camera is the test folder (A gallery, B and C queries).");
    }

    /** Every {@code .jpg} file below {@code dir} (one recursive listing, a single paged request on S3). */
    private static List<Path> jpgs(Folders folders, Path dir) throws IOException {
        if (!folders.isDirectory(dir)) throw new CatalogError(TITLE + ": the folder " + dir + " is missing");
        List<Path> out = new ArrayList<>();
        int ignored = 0;
        for (FileStatus st : Storage.listFiles(folders.fs(dir), dir)) {
            Path p = st.getPath();
            if (p.getName().endsWith(".jpg")) out.add(p);
            else ignored++;
        }
        if (ignored > 0) LOG.info("PRCC: ignored {} files below {} that are not .jpg files", ignored, dir);
        out.sort(null);
        return out;
    }

    /** The path components of {@code file} below {@code dir}. */
    private static List<String> relative(Path dir, Path file) {
        List<String> parts = new ArrayList<>();
        String d = dir.toUri().getPath();
        for (Path p = file; p != null && !p.toUri().getPath().equals(d); p = p.getParent()) parts.add(0, p.getName());
        return parts;
    }

    private static Integer pid(String folder) {
        if (!folder.matches("\\d{1,9}")) return null;
        return Integer.parseInt(folder);
    }
}
