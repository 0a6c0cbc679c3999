package org.reidspark.data.catalog;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Custom data: a CSV manifest with a header line naming its columns, {@code path,pid,camid[,clothes][,split]}
 * in any order. The root is the CSV file itself, or a folder holding {@value #FILE}.
 * <ul>
 *   <li>{@code path}: the image; a relative path is relative to the CSV's folder, an absolute path stays on the
 *       CSV's file system, a URI ({@code s3a://...}) is taken as it is. A path that leaves the CSV's folder (a
 *       {@code ..} segment, an absolute path or URI elsewhere) is refused unless {@code reid.data.csv.allow-outside-root}
 *       is set; the same image on two rows is refused.</li>
 *   <li>{@code pid}: person id, an integer; -1 marks junk (dropped), 0 is an ordinary id. Empty on a train row: the
 *       image's person is unknown, an unlabelled training image ({@link org.reidspark.data.Sample#unlabeled}, no
 *       clothes); a training split is either all labelled or all unlabelled. Query and gallery rows need their pid.</li>
 *   <li>{@code camid}: camera id, an integer >= 0, used as it is (0-based).</li>
 *   <li>{@code clothes} (optional): the person's outfit, any token; one clothes class per (pid, clothes) pair,
 *       the training pairs numbered first in ascending order. Empty: no clothes label (-1).</li>
 *   <li>{@code split} (optional): {@code train}, {@code query} or {@code gallery}; empty or absent: the default
 *       split ({@code reid.data.csv.default-split}).</li>
 * </ul>
 * The file is RFC 4180 CSV (Apache Commons CSV): fields separated by commas and trimmed, a field holding a comma,
 * a quote or a line break written in double quotes (a quote inside doubled), as spreadsheets and the project's own
 * writers write them. Blank lines and lines starting with {@code #} are skipped. A manifest may hold only training data, only query and gallery,
 * or all three; a query without a gallery (or the reverse) is an error, and so are query and gallery images whose
 * cameras leave no query a match under the same-camera filter (the usual problem when custom data has no camera
 * ids). Image files are not opened or listed here.
 */
public final class CsvCatalog implements Catalog {
    public static final String NAME = "csv";
    /** The manifest's file name when the root is a folder. */
    public static final String FILE = "manifest.csv";
    private static final String TITLE = "CSV manifest";
    private static final List<String> COLUMNS = List.of("path", "pid", "camid", "clothes", "split");
    private static final String RULE = "path,pid,camid[,clothes][,split] with a header line";

    /** One row; {@code unlabeled}: a train row with an empty pid. */
    private record Parsed(Split split, String uri, int pid, int camid, String clothes, boolean unlabeled) {
    }

    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setTrim(true).setIgnoreSurroundingSpaces(true)
            .setIgnoreEmptyLines(true).setCommentMarker('#').build();

    private final Split defaultSplit;
    private final boolean allowOutsideRoot;

    /** @param defaultSplit the split of rows with no split value */
    public CsvCatalog(Split defaultSplit) {
        this(defaultSplit, false);
    }

    /**
     * @param defaultSplit     the split of rows with no split value
     * @param allowOutsideRoot accept rows whose path leaves the CSV's folder ({@code reid.data.csv.allow-outside-root})
     */
    public CsvCatalog(Split defaultSplit, boolean allowOutsideRoot) {
        this.defaultSplit = defaultSplit;
        this.allowOutsideRoot = allowOutsideRoot;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Manifest read(Storage storage, String root) throws IOException {
        Folders folders = new Folders(storage);
        Path given = folders.qualify(root);
        Path csv = folders.isDirectory(given) ? new Path(given, FILE) : given;
        if (!folders.isFile(csv)) {
            throw new CatalogError(TITLE + ": " + csv + " does not exist; reid.data.root must name a CSV file or a"
                    + " folder holding " + FILE);
        }
        Path dir = csv.getParent();
        String text = String.join("\n", folders.lines(csv));
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        BadNames bad = new BadNames(TITLE);

        Map<String, Integer> col = null;
        List<Parsed> parsed = new ArrayList<>();
        Map<String, String> firstRow = new HashMap<>();
        String firstLabeled = null;
        String firstUnlabeled = null;
        try (CSVParser parser = CSVParser.parse(text, FORMAT)) {
            long line = 1; // the line the next record starts on
            for (CSVRecord record : parser) {
                String where = csv + ":" + line;
                long start = line;
                line = parser.getCurrentLineNumber() + 1;
                String[] fields = record.values();
                if (col == null) {
                    col = header(csv, (int) start, fields);
                    continue;
                }
                if (fields.length != col.size()) {
                    bad.add(where, "expected " + col.size() + " fields as in the header, got " + fields.length, RULE);
                    continue;
                }
                String path = fields[col.get("path")];
                String pidText = fields[col.get("pid")];
                Integer pid = integer(pidText);
                Integer camid = integer(fields[col.get("camid")]);
                String clothes = col.containsKey("clothes") ? fields[col.get("clothes")] : "";
                String splitText = col.containsKey("split") ? fields[col.get("split")].toLowerCase(Locale.ROOT) : "";
                Split split = splitText.isEmpty() ? defaultSplit : switch (splitText) {
                    case "train" -> Split.TRAIN;
                    case "query" -> Split.QUERY;
                    case "gallery" -> Split.GALLERY;
                    default -> null;
                };
                boolean unlabeled = pidText.isEmpty() && split == Split.TRAIN;
                if (path.isEmpty()) {
                    bad.add(where, "empty path", RULE);
                } else if (!unlabeled && (pid == null || pid < ManifestBuilder.JUNK)) {
                    bad.add(where, "pid \"" + pidText + "\" is not an integer >= -1"
                            + (pidText.isEmpty() ? " (an empty pid, an unlabelled image, is for train rows only)" : ""), RULE);
                } else if (unlabeled && !clothes.isEmpty()) {
                    bad.add(where, "clothes \"" + clothes + "\" on a train row without pid (an unlabelled image has no"
                            + " outfit class: outfits are per person)", RULE);
                } else if (camid == null || camid < 0) {
                    bad.add(where, "camid \"" + fields[col.get("camid")] + "\" is not an integer >= 0", RULE);
                } else if (split == null) {
                    bad.add(where, "split \"" + splitText + "\" is not train, query or gallery", RULE);
                } else {
                    String uri = resolve(folders, dir, path);
                    String outside = allowOutsideRoot ? null : outside(dir, path, uri);
                    String earlier = firstRow.putIfAbsent(uri, where);
                    if (outside != null) {
                        bad.add(where, "path \"" + path + "\" " + outside + " (set reid.data.csv.allow-outside-root=true"
                                + " to accept paths outside " + dir + ")", RULE);
                    } else if (earlier != null) {
                        bad.add(where, "image " + uri + " is listed again (first at " + earlier + "); each image once", RULE);
                    } else {
                        parsed.add(new Parsed(split, uri, unlabeled ? Sample.UNLABELED : pid, camid, clothes, unlabeled));
                        if (split == Split.TRAIN && unlabeled && firstUnlabeled == null) firstUnlabeled = where;
                        if (split == Split.TRAIN && !unlabeled && pid != ManifestBuilder.JUNK && firstLabeled == null) {
                            firstLabeled = where;
                        }
                    }
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw new CatalogError(TITLE + ": " + csv + " is not valid CSV: " + e.getCause().getMessage());
        }
        if (col == null) throw new CatalogError(TITLE + ": " + csv + " is empty; expected a header line (" + RULE + ")");
        bad.throwIfAny();
        if (firstLabeled != null && firstUnlabeled != null) {
            throw new CatalogError(TITLE + ": " + csv + " mixes train rows with a pid (e.g. " + firstLabeled + ") and train"
                    + " rows without one (e.g. " + firstUnlabeled + "); give every train row its pid, or none (an unlabelled"
                    + " training split; reid.data.train-labels = none drops the pids of a labelled one as it is read)");
        }

        Set<String> trainKeys = new HashSet<>();
        Set<String> otherKeys = new HashSet<>();
        EnumSet<Split> present = EnumSet.noneOf(Split.class);
        for (Parsed p : parsed) {
            if (p.unlabeled()) {
                present.add(p.split());
                continue;
            }
            if (p.pid() == ManifestBuilder.JUNK) continue;
            present.add(p.split());
            if (!p.clothes().isEmpty()) (p.split() == Split.TRAIN ? trainKeys : otherKeys).add(clothesKey(p));
        }
        Map<String, Integer> clothes = ManifestBuilder.clothesClasses(trainKeys, otherKeys);
        ManifestBuilder builder = new ManifestBuilder(NAME, TITLE, csv.toString());
        for (Split s : Split.values()) builder.source(s, csv + ", rows with split " + s.lower());
        for (Parsed p : parsed) {
            if (p.unlabeled()) {
                builder.addUnlabeled(p.uri(), p.camid());
                continue;
            }
            int c = p.pid() == ManifestBuilder.JUNK || p.clothes().isEmpty() ? -1 : clothes.get(clothesKey(p));
            builder.add(p.split(), p.uri(), p.pid(), p.camid(), c);
        }
        if (present.isEmpty()) {
            throw new CatalogError(TITLE + ": " + csv + " has no images other than junk (pid -1)");
        }
        if (present.contains(Split.QUERY) != present.contains(Split.GALLERY)) {
            Split has = present.contains(Split.QUERY) ? Split.QUERY : Split.GALLERY;
            Split lacks = has == Split.QUERY ? Split.GALLERY : Split.QUERY;
            throw new CatalogError(TITLE + ": " + csv + " has " + has.lower() + " rows but no " + lacks.lower()
                    + " rows; evaluation needs both (or neither, for training data only)");
        }
        return builder.build(present, "Give the query and the gallery images of each person different camera ids"
                + " in the camid column of " + csv + " (for example camid 0 for every query image and 1 for every"
                + " gallery image, when the data has no real camera ids); training images may all keep camera 0.");
    }

    private static Map<String, Integer> header(Path csv, int line, String[] fields) {
        Map<String, Integer> col = new HashMap<>();
        for (int k = 0; k < fields.length; k++) {
            String name = fields[k].toLowerCase(Locale.ROOT);
            if (!COLUMNS.contains(name)) {
                throw new CatalogError(TITLE + ": " + csv + ":" + line + ": unknown column \"" + fields[k]
                        + "\" in the header; columns are " + String.join(", ", COLUMNS)
                        + " (path, pid and camid required; the first line must be the header)");
            }
            if (col.put(name, k) != null) {
                throw new CatalogError(TITLE + ": " + csv + ":" + line + ": column \"" + name + "\" appears twice");
            }
        }
        for (String required : List.of("path", "pid", "camid")) {
            if (!col.containsKey(required)) {
                throw new CatalogError(TITLE + ": " + csv + ":" + line + ": the header has no \"" + required
                        + "\" column; expected " + RULE);
            }
        }
        return col;
    }

    private static String clothesKey(Parsed p) {
        return String.format("%010d/%s", p.pid(), p.clothes());
    }

    private static Integer integer(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Why a row's path leaves the CSV's folder {@code dir}, or null when it does not: a {@code ..} segment, or a resolved
     * uri that is not below {@code dir}.
     */
    private static String outside(Path dir, String path, String uri) {
        for (String segment : path.split("[/\\\\]")) {
            if (segment.equals("..")) return "has a '..' segment";
        }
        String base = dir.toString().endsWith("/") ? dir.toString() : dir + "/";
        return uri.startsWith(base) ? null : "is outside the CSV's folder " + dir;
    }

    /** A row's path as a fully-qualified uri string. */
    private static String resolve(Folders folders, Path dir, String path) {
        if (path.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) return path; // a URI with a scheme (s3a://, file:, hdfs://)
        Path p = path.startsWith("/") ? new Path(path) : new Path(dir, path);
        return folders.fs(dir).makeQualified(p).toString();
    }
}
