package org.reidspark.data.catalog;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;

import java.io.IOException;
import java.util.List;

/**
 * MSMT17 (Wei et al., CVPR 2018, https://arxiv.org/abs/1711.08565), read as torchreid's {@code msmt17.py}:
 * {@code MSMT17_V1/{train,test}} (V2: {@code MSMT17_V2/{mask_train_v2,mask_test_v2}}, faces blurred) with list
 * files {@code list_train.txt}, {@code list_val.txt} (images of the training folder), {@code list_query.txt} and
 * {@code list_gallery.txt} (of the test folder), one {@code <relative/path.jpg> <pid>} per line, e.g.
 * {@code 0000/0000_000_01_0303morning_0015_0.jpg 0}. The camera is the third {@code _}-separated field of the
 * file name minus 1 (01..15 become 0..14). The validation images join training only when asked, as torchreid's
 * {@code combineall} (published results train without them). The full dataset reads as 1,041 training ids,
 * 32,621 train / 11,659 query / 82,161 gallery images, 15 cameras.
 *
 * <p>Only the list files are read: the image files are not listed (126k names on S3), so a list naming a
 * missing image is found when the image is decoded. The root may be the version folder itself, or a parent
 * of {@code MSMT17_V1} / {@code MSMT17_V2} (also torchreid's {@code msmt17/MSMT17_V1} arrangement).
 */
public final class Msmt17Catalog implements Catalog {
    public static final String NAME = "msmt17";
    private static final String TITLE = "MSMT17";
    private static final String RULE = "list lines '<relative/path.jpg> <pid>' with file names"
            + " <pid>_<index>_<camera>_<date+time>_<frame>_<box>.jpg, e.g. 0000/0000_000_01_0303morning_0015_0.jpg 0";

    /** The two releases; they differ in folder names only. */
    public enum Version {
        V1("MSMT17_V1", "train", "test"),
        V2("MSMT17_V2", "mask_train_v2", "mask_test_v2");

        /** The folder the release unpacks to. */
        public final String folder;
        final String trainDir;
        final String testDir;

        Version(String folder, String trainDir, String testDir) {
            this.folder = folder;
            this.trainDir = trainDir;
            this.testDir = testDir;
        }

        /** The config spelling, {@code v1} or {@code v2}. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Version version;
    private final boolean valIntoTrain;

    /**
     * @param version      which release's folder names to read
     * @param valIntoTrain add {@code list_val.txt}'s images to the training split
     */
    public Msmt17Catalog(Version version, boolean valIntoTrain) {
        this.version = version;
        this.valIntoTrain = valIntoTrain;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Manifest read(Storage storage, String root) throws IOException {
        Folders folders = new Folders(storage);
        Path base = folders.locate(root, TITLE + " " + version.name(), version.trainDir,
                List.of(version.folder, "msmt17/" + version.folder),
                " (config key reid.data.msmt17.version is " + version.key() + "; v1 reads MSMT17_V1/train,"
                        + " v2 reads MSMT17_V2/mask_train_v2)");
        Path trainDir = new Path(base, version.trainDir);
        Path testDir = new Path(base, version.testDir);
        if (!folders.isDirectory(testDir)) {
            throw new CatalogError(TITLE + ": the test folder " + testDir + " is missing; " + TITLE + " "
                    + version.name() + " needs " + version.trainDir + "/, " + version.testDir + "/ and the list files in "
                    + base + " (config key reid.data.msmt17.version chooses between v1 and v2 folder names)");
        }
        ManifestBuilder builder = new ManifestBuilder(NAME, TITLE, base.toString());
        BadNames bad = new BadNames(TITLE);
        readList(folders, builder, bad, Split.TRAIN, trainDir, new Path(base, "list_train.txt"));
        if (valIntoTrain) readList(folders, builder, bad, Split.TRAIN, trainDir, new Path(base, "list_val.txt"));
        readList(folders, builder, bad, Split.QUERY, testDir, new Path(base, "list_query.txt"));
        readList(folders, builder, bad, Split.GALLERY, testDir, new Path(base, "list_gallery.txt"));
        bad.throwIfAny();
        return builder.build("In this layout the camera is the third '_' field of each file name (" + RULE
                + "); give each person's query and gallery images different cameras.");
    }

    private static void readList(Folders folders, ManifestBuilder builder, BadNames bad, Split split, Path imageDir,
                                 Path list) throws IOException {
        builder.source(split, list.toString());
        if (!folders.isFile(list)) {
            throw new CatalogError(TITLE + ": the " + split.lower() + " list " + list + " is missing");
        }
        List<String> lines = folders.lines(list);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String where = list + ":" + (i + 1);
            String[] fields = line.split("\\s+");
            if (fields.length != 2) {
                bad.add(where, "expected '<relative/path.jpg> <pid>', got \"" + line + "\"", RULE);
                continue;
            }
            int pid;
            try {
                pid = Integer.parseInt(fields[1]);
            } catch (NumberFormatException e) {
                bad.add(where, "pid \"" + fields[1] + "\" is not an integer", RULE);
                continue;
            }
            if (pid < ManifestBuilder.JUNK) {
                bad.add(where, "negative pid " + pid, RULE);
                continue;
            }
            String file = fields[0].substring(fields[0].lastIndexOf('/') + 1);
            String[] parts = file.split("_");
            int camera = parts.length >= 3 && parts[2].matches("\\d{1,4}") ? Integer.parseInt(parts[2]) : -1;
            if (camera < 1) {
                bad.add(where, "no camera number (01, 02, ...) in the third '_' field of " + file, RULE);
                continue;
            }
            if (fields[0].startsWith("/") || fields[0].contains("://")) {
                bad.add(where, "the image path must be relative to " + imageDir, RULE);
                continue;
            }
            builder.add(split, new Path(imageDir, fields[0]).toString(), pid, camera - 1, -1);
        }
    }
}
