package org.reidspark.data.catalog;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Market-1501 family of layouts: three flat folders {@code bounding_box_train} (train), {@code query}
 * and {@code bounding_box_test} (gallery) of {@code .jpg} files whose names start {@code <pid>_c<camera>},
 * read as torchreid does ({@code ([-\d]+)_c(\d)}): the camera is one digit, 1-based in the name and 0-based in
 * the sample; pid -1 is junk (dropped), pid 0 a distractor (kept). Unlike torchreid, which asserts a
 * dataset-specific camera range, any camera 1..9 is accepted, so that custom data in this layout reads too.
 */
abstract class BoundingBoxCatalog implements Catalog {
    static final String TRAIN = "bounding_box_train";
    static final String QUERY = "query";
    static final String GALLERY = "bounding_box_test";
    private static final Pattern NAME = Pattern.compile("^(-1|\\d+)_c(\\d)");

    /** The dataset's name for messages, e.g. "Market-1501". */
    abstract String title();

    /** Folders below the root where the three split folders may be (after the root itself). */
    abstract List<String> subfolders();

    /** The naming rule, with an example, for error messages. */
    abstract String rule();

    @Override
    public Manifest read(Storage storage, String root) throws IOException {
        Folders folders = new Folders(storage);
        Path base = folders.locate(root, title(), TRAIN, subfolders());
        ManifestBuilder builder = new ManifestBuilder(name(), title(), base.toString());
        BadNames bad = new BadNames(title());
        for (Split split : Split.values()) {
            Path dir = new Path(base, folder(split));
            builder.source(split, dir.toString());
            if (!folders.isDirectory(dir)) {
                throw new CatalogError(title() + ": the " + split.lower() + " folder " + dir + " is missing; "
                        + title() + " needs " + TRAIN + ", " + QUERY + " and " + GALLERY + " in " + base);
            }
            for (FileStatus f : folders.images(dir, ".jpg", title())) {
                String name = f.getPath().getName();
                Matcher m = NAME.matcher(name);
                if (!m.find()) {
                    bad.add(f.getPath(), "no <pid>_c<camera> at the start of the name", rule());
                    continue;
                }
                int camera = Integer.parseInt(m.group(2));
                if (camera < 1) {
                    bad.add(f.getPath(), "camera c0 (cameras are numbered from 1)", rule());
                    continue;
                }
                int pid;
                try {
                    pid = Integer.parseInt(m.group(1));
                } catch (NumberFormatException e) {
                    bad.add(f.getPath(), "person id " + m.group(1) + " is too large", rule());
                    continue;
                }
                builder.add(split, f.getPath().toString(), pid, camera - 1, -1);
            }
        }
        bad.throwIfAny();
        return builder.build("In this layout the camera is the digit after '_c' in each file name (" + rule()
                + "); give each person's query and gallery images different cameras.");
    }

    static String folder(Split split) {
        return switch (split) {
            case TRAIN -> TRAIN;
            case QUERY -> QUERY;
            case GALLERY -> GALLERY;
        };
    }
}
