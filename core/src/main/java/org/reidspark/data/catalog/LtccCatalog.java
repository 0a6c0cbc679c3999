package org.reidspark.data.catalog;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LTCC, long-term cloth-changing re-ID (Qian et al., ACCV 2020, https://arxiv.org/abs/2005.12633):
 * {@code LTCC_ReID/{train,query,test}} (test is the gallery) of {@code .png} files named
 * {@code <pid>_<clothes>_c<camera>_<frame>.png}, e.g. {@code 001_1_c11_015804.png}; 152 ids, 12 cameras.
 * Read as CAL's {@code data/datasets/ltcc.py} reads it: pid and camera from {@code (\d+)_(\d+)_c(\d+)}, camera
 * 0-based, and one clothes class per name prefix {@code <pid>_<clothes>} (so outfit 1 of person 1 and outfit 1
 * of person 2 are different classes). CAL numbers the training and test classes separately; here they form
 * one class set over the dataset: the training prefixes first in ascending order (0..C-1, exactly CAL's training
 * labels), then the query and gallery prefixes in ascending order. Pid -1 would be junk (dropped).
 *
 * <p>The root may be the folder holding the three split folders, or a parent of {@code LTCC_ReID}.
 */
public final class LtccCatalog implements Catalog {
    public static final String NAME = "ltcc";
    /** The folder the dataset unpacks to. */
    public static final String FOLDER = "LTCC_ReID";
    private static final String TITLE = "LTCC";
    private static final String RULE = "<pid>_<clothes>_c<camera>_<frame>.png, e.g. 001_1_c11_015804.png";
    private static final Pattern NAME_RULE = Pattern.compile("^(-1|\\d+)_(\\d+)_c(\\d+)");

    private record Parsed(Split split, String uri, int pid, int camid, String clothes) {
    }

    @Override
    public String name() {
        return NAME;
    }

    static String folder(Split split) {
        return switch (split) {
            case TRAIN -> "train";
            case QUERY -> "query";
            case GALLERY -> "test";
        };
    }

    @Override
    public Manifest read(Storage storage, String root) throws IOException {
        Folders folders = new Folders(storage);
        Path base = folders.locate(root, TITLE, folder(Split.TRAIN), List.of(FOLDER));
        BadNames bad = new BadNames(TITLE);
        List<Parsed> parsed = new ArrayList<>();
        ManifestBuilder builder = new ManifestBuilder(NAME, TITLE, base.toString());
        for (Split split : Split.values()) {
            Path dir = new Path(base, folder(split));
            builder.source(split, dir.toString());
            if (!folders.isDirectory(dir)) {
                throw new CatalogError(TITLE + ": the " + split.lower() + " folder " + dir + " is missing; LTCC needs"
                        + " train, query and test (the gallery) in " + base);
            }
            for (FileStatus f : folders.images(dir, ".png", TITLE)) {
                Matcher m = NAME_RULE.matcher(f.getPath().getName());
                if (!m.find()) {
                    bad.add(f.getPath(), "no <pid>_<clothes>_c<camera> at the start of the name", RULE);
                    continue;
                }
                int pid;
                int camera;
                try {
                    pid = Integer.parseInt(m.group(1));
                    camera = Integer.parseInt(m.group(3));
                } catch (NumberFormatException e) {
                    bad.add(f.getPath(), "a number in the name is too large", RULE);
                    continue;
                }
                if (camera < 1) {
                    bad.add(f.getPath(), "camera c" + m.group(3) + " (cameras are numbered from 1)", RULE);
                    continue;
                }
                parsed.add(new Parsed(split, f.getPath().toString(), pid, camera - 1, m.group(1) + "_" + m.group(2)));
            }
        }
        bad.throwIfAny();
        Set<String> trainKeys = new HashSet<>();
        Set<String> testKeys = new HashSet<>();
        for (Parsed p : parsed) {
            if (p.pid() == ManifestBuilder.JUNK) continue;
            (p.split() == Split.TRAIN ? trainKeys : testKeys).add(p.clothes());
        }
        Map<String, Integer> clothes = ManifestBuilder.clothesClasses(trainKeys, testKeys);
        for (Parsed p : parsed) {
            int c = p.pid() == ManifestBuilder.JUNK ? -1 : clothes.get(p.clothes());
            builder.add(p.split(), p.uri(), p.pid(), p.camid(), c);
        }
        return builder.build("In this layout the camera is the number after '_c' in each file name (" + RULE
                + "); give each person's query and gallery images different cameras.");
    }
}
