package org.reidspark.data.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Split;
import org.reidspark.data.synth.Look.Identity;
import org.reidspark.data.synth.Look.Outfit;
import org.reidspark.data.synth.Renderer.Rendered;
import org.reidspark.data.synth.SynthPlan.Kind;
import org.reidspark.data.synth.SynthPlan.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Generates a synthetic re-ID benchmark into {@code reid.synth.output}:
 * <pre>
 * OUTPUT/&lt;layout folder&gt;/&lt;split folder&gt;/&lt;image&gt;     e.g. Market-1501-v15.09.15/query/0012_c3s2_004513_02.jpg
 * OUTPUT/masks/&lt;split folder&gt;/&lt;stem&gt;.fg.png        foreground: 255 person, 0 background
 * OUTPUT/masks/&lt;split folder&gt;/&lt;stem&gt;.parts.png     part labels 0..5 ({@link Parts})
 * OUTPUT/synth.json                                  parameters, identities, one record per image
 * OUTPUT/contact-sheet.png                           one identity with masks, and other identities
 * </pre>
 * The masks live outside the layout folder, so a catalog listing the split folders sees images only.
 * Rendering runs on a thread pool; every image's randomness is keyed by (seed, person, image number), so the
 * bytes written are the same for any thread count.
 */
public final class SynthGenerator {
    public static final String DESCRIPTION = "synth.json";
    public static final String MASKS = "masks";
    public static final String SHEET = "contact-sheet.png";
    /**
     * Version of the rendering model, recorded with the parameters: bumped whenever the same parameters would
     * render other pixels, so that a dataset written by an older generator is never reused as if current.
     * 2: camera renditions by Latin hypercube, one pavement per site.
     */
    static final int RENDERING = 2;
    /** Images per row of the contact sheet. */
    private static final int SHEET_COLUMNS = 6;
    private static final Logger LOG = LoggerFactory.getLogger(SynthGenerator.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What was generated.
     *
     * @param root        the output directory
     * @param datasetRoot the layout folder a catalog reads
     * @param counts      images written per split (junk included in the gallery count)
     * @param seconds     wall time
     */
    public record Result(String root, String datasetRoot, Map<Split, Integer> counts, double seconds) {
        public int images() {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }

        public double imagesPerMinute() {
            return images() / Math.max(1e-9, seconds) * 60;
        }
    }

    private SynthGenerator() {
    }

    /** Where an image goes, relative to the output directory. */
    public static String imagePath(SynthVariant v, Split split, String fileName) {
        return v.folder() + "/" + v.splitFolder(split) + "/" + fileName;
    }

    /** The foreground mask of an image, relative to the output directory. */
    public static String foregroundMaskPath(SynthVariant v, Split split, String fileName) {
        return MASKS + "/" + v.splitFolder(split) + "/" + stem(fileName) + ".fg.png";
    }

    /** The part mask of an image, relative to the output directory. */
    public static String partMaskPath(SynthVariant v, Split split, String fileName) {
        return MASKS + "/" + v.splitFolder(split) + "/" + stem(fileName) + ".parts.png";
    }

    /**
     * The {foreground, parts} mask paths of an image given its own path or URI (as a catalog's sample has it):
     * {@code ROOT/<layout>/<split>/<name>} has its masks in {@code ROOT/masks/<split>/}.
     */
    public static Path[] masksOf(String imageUri) {
        Path image = Storage.path(imageUri);
        Path splitDir = image.getParent();
        Path root = splitDir.getParent().getParent();
        Path dir = new Path(new Path(root, MASKS), splitDir.getName());
        String stem = stem(image.getName());
        return new Path[]{new Path(dir, stem + ".fg.png"), new Path(dir, stem + ".parts.png")};
    }

    private static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? fileName : fileName.substring(0, dot);
    }

    public static Result generate(SynthConfig cfg, Storage storage) throws IOException {
        long start = System.nanoTime();
        Path root = Storage.path(cfg.output());
        FileSystem fs = storage.fs(root);
        if (fs instanceof LocalFileSystem local) fs = local.getRaw(); // no .crc files beside the images
        SynthVariant v = cfg.variant();
        prepare(fs, root, cfg);
        SynthPlan plan = SynthPlan.build(cfg);
        List<Camera> cameras = new ArrayList<>();
        for (int c = 0; c < cfg.cameras(); c++) cameras.add(Camera.create(cfg.seed(), c, cfg.cameras(), cfg.height(), cfg.width()));
        Renderer renderer = new Renderer(cfg.seed(), cfg.height(), cfg.width(), cameras);
        int threads = cfg.threads() == 0 ? Runtime.getRuntime().availableProcessors() : cfg.threads();
        LOG.info("synth: rendering {} images ({} variant, {} identities, {} cameras, {}) on {} thread(s) into {}",
                plan.tasks.size(), v.configName(), cfg.identities(), cfg.cameras(), cfg.size(), threads, root);
        AtomicInteger done = new AtomicInteger();
        int step = Math.max(500, plan.tasks.size() / 10);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "synth-render");
            t.setDaemon(true);
            return t;
        });
        final FileSystem out = fs;
        List<Map<String, Object>> records = new ArrayList<>();
        try {
            List<Future<Map<String, Object>>> futures = new ArrayList<>();
            for (Task task : plan.tasks) {
                futures.add(pool.submit(() -> {
                    Map<String, Object> rec = renderAndWrite(out, root, renderer, v, task);
                    int n = done.incrementAndGet();
                    if (n % step == 0 || n == plan.tasks.size()) LOG.info("synth: {}/{} images", n, plan.tasks.size());
                    return rec;
                }));
            }
            for (Future<Map<String, Object>> f : futures) records.add(f.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("synth: interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw io;
            throw new IOException("synth: rendering failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
        write(out, new Path(root, DESCRIPTION), JSON.writeValueAsBytes(description(cfg, plan, cameras, records)));
        write(out, new Path(root, SHEET), Codec.png(contactSheet(out, root, plan, records)));
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        for (Split s : Split.values()) counts.put(s, 0);
        for (Task t : plan.tasks) counts.merge(t.split(), 1, Integer::sum);
        double seconds = (System.nanoTime() - start) / 1e9;
        Result result = new Result(root.toString(), new Path(root, v.folder()).toString(), counts, seconds);
        LOG.info("synth: wrote {} images (train {}, query {}, gallery {}) in {} s, {} images/minute", result.images(),
                counts.get(Split.TRAIN), counts.get(Split.QUERY), counts.get(Split.GALLERY),
                String.format(Locale.ROOT, "%.1f", seconds), Math.round(result.imagesPerMinute()));
        return result;
    }

    /** Refuses to mix with an existing dataset unless overwrite is set, in which case the old one is removed. */
    private static void prepare(FileSystem fs, Path root, SynthConfig cfg) throws IOException {
        List<Path> ours = new ArrayList<>();
        for (SynthVariant any : SynthVariant.values()) ours.add(new Path(root, any.folder()));
        ours.add(new Path(root, MASKS));
        ours.add(new Path(root, DESCRIPTION));
        ours.add(new Path(root, SHEET));
        ours.add(new Path(root, "calibration.json"));
        for (Path p : ours) {
            if (!fs.exists(p)) continue;
            if (!cfg.overwrite()) {
                throw new IOException("synth: " + p + " already exists; choose another reid.synth.output (--output)"
                        + " or set reid.synth.overwrite=true to replace the dataset there");
            }
            fs.delete(p, true);
        }
        for (Split s : Split.values()) {
            fs.mkdirs(new Path(root, cfg.variant().folder() + "/" + cfg.variant().splitFolder(s)));
            fs.mkdirs(new Path(root, MASKS + "/" + cfg.variant().splitFolder(s)));
        }
    }

    private static Map<String, Object> renderAndWrite(FileSystem fs, Path root, Renderer renderer, SynthVariant v, Task t)
            throws IOException {
        Identity id = t.identity();
        Rendered img = t.kind() == Kind.JUNK
                ? renderer.junk(id, t.camera(), id.key(), t.k())
                : renderer.render(id, id.outfits().get(t.outfit()), t.camera(), t.occluded(), id.key(), t.k());
        byte[] picture = v.extension().equals("png") ? Codec.png(img.image()) : Codec.jpeg(img.image(), img.jpegQuality());
        String imagePath = imagePath(v, t.split(), t.fileName());
        String fgPath = foregroundMaskPath(v, t.split(), t.fileName());
        String partsPath = partMaskPath(v, t.split(), t.fileName());
        write(fs, new Path(root, imagePath), picture);
        write(fs, new Path(root, fgPath), Codec.png(Codec.mask(img.labels(), renderer.width(), renderer.height(), true)));
        write(fs, new Path(root, partsPath), Codec.png(Codec.mask(img.labels(), renderer.width(), renderer.height(), false)));
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("image", imagePath);
        rec.put("foreground", fgPath);
        rec.put("parts", partsPath);
        rec.put("split", t.split().lower());
        rec.put("kind", t.kind().name().toLowerCase(Locale.ROOT));
        rec.put("pid", t.pid());
        rec.put("camera", t.camera() + 1);
        rec.put("outfit", t.outfit());
        rec.put("view", img.view().name().toLowerCase(Locale.ROOT));
        rec.put("occluded", round(img.occluded()));
        rec.put("occluder", img.occluder() == null ? null : img.occluder().name().toLowerCase(Locale.ROOT));
        Map<String, Object> vis = new LinkedHashMap<>();
        for (int p = 1; p < Parts.COUNT; p++) {
            vis.put(Parts.name(p), Double.isNaN(img.visibility()[p]) ? null : round(img.visibility()[p]));
        }
        rec.put("visibility", vis);
        return rec;
    }

    private static double round(double x) {
        return Math.round(x * 10000) / 10000.0;
    }

    static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(p, true)) {
            out.write(bytes);
        }
    }

    /** The generation parameters {@code synth.json} records (what makes two datasets the same). */
    static Map<String, Object> parameters(SynthConfig cfg) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("rendering", RENDERING);
        params.put("identities", cfg.identities());
        params.put("cameras", cfg.cameras());
        params.put("imagesPerIdentity", cfg.imagesPerIdentity());
        params.put("size", cfg.size());
        params.put("seed", cfg.seed());
        params.put("queriesPerIdentity", cfg.queriesPerIdentity());
        params.put("distractors", cfg.variant() == SynthVariant.HOLISTIC ? cfg.distractors() : 0);
        params.put("junk", cfg.variant() == SynthVariant.HOLISTIC ? cfg.junk() : 0);
        params.put("occludedFraction", cfg.variant() == SynthVariant.OCCLUDED ? cfg.occludedFraction() : 0.0);
        params.put("occlusionRange", cfg.variant() == SynthVariant.OCCLUDED
                ? List.of(Renderer.OCCLUSION_MIN, Renderer.OCCLUSION_MAX) : List.of());
        params.put("identitiesPerColourScheme", cfg.identitiesPerScheme());
        return params;
    }

    private static Map<String, Object> description(SynthConfig cfg, SynthPlan plan, List<Camera> cameras,
                                                   List<Map<String, Object>> records) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("generator", "reid-spark synth");
        d.put("format", 1);
        d.put("variant", cfg.variant().configName());
        d.put("catalog", cfg.variant().catalog());
        d.put("layout", cfg.variant().folder());
        d.put("parameters", parameters(cfg));
        Map<String, Object> parts = new LinkedHashMap<>();
        for (int p = 0; p < Parts.COUNT; p++) parts.put(Integer.toString(p), Parts.name(p));
        d.put("partLabels", parts);
        d.put("masks", "OUTPUT/masks/<split folder>/<image stem>.fg.png (0/255) and .parts.png (labels above)");
        List<Map<String, Object>> cams = new ArrayList<>();
        for (Camera c : cameras) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("camera", c.index() + 1);
            m.put("gain", List.of(round(c.gain()[0]), round(c.gain()[1]), round(c.gain()[2])));
            m.put("gamma", round(c.gamma()));
            m.put("saturation", round(c.saturation()));
            m.put("blur", round(c.blur()));
            m.put("noise", round(c.noise()));
            m.put("resolution", c.resolution());
            m.put("jpegQuality", round(c.jpegQuality()));
            cams.add(m);
        }
        d.put("cameras", cams);
        List<Map<String, Object>> ids = new ArrayList<>();
        for (Identity id : plan.identities) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", id.pid());
            m.put("colourScheme", id.scheme());
            m.put("height", round(id.body().height()));
            m.put("build", round(id.body().build()));
            m.put("hair", id.hairStyle().name().toLowerCase(Locale.ROOT));
            m.put("shoes", id.shoeStyle().name().toLowerCase(Locale.ROOT));
            m.put("glasses", id.glasses());
            List<Map<String, Object>> outfits = new ArrayList<>();
            for (Outfit o : id.outfits()) {
                Map<String, Object> om = new LinkedHashMap<>();
                om.put("outfit", o.index());
                om.put("top", o.top().name().toLowerCase(Locale.ROOT));
                om.put("topColour", hex(o.topColour()));
                om.put("pattern", o.topPattern().name().toLowerCase(Locale.ROOT));
                om.put("bottom", o.bottom().name().toLowerCase(Locale.ROOT));
                om.put("bottomColour", hex(o.bottomColour()));
                om.put("hat", o.hat().name().toLowerCase(Locale.ROOT));
                om.put("bag", o.bag().name().toLowerCase(Locale.ROOT));
                om.put("backpack", o.backpack());
                outfits.add(om);
            }
            m.put("outfits", outfits);
            ids.add(m);
        }
        d.put("identities", ids);
        d.put("images", records);
        return d;
    }

    private static String hex(java.awt.Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    /** Reads back what was written: one test identity across its cameras and outfits, and other identities. */
    private static BufferedImage contactSheet(FileSystem fs, Path root, SynthPlan plan, List<Map<String, Object>> records)
            throws IOException {
        // the test identity with the most (camera, outfit) combinations, occluded queries first when there are any
        Map<Integer, Set<String>> combos = new LinkedHashMap<>();
        for (Task t : plan.tasks) {
            if (t.kind() != Kind.PERSON || t.split() == Split.TRAIN) continue;
            combos.computeIfAbsent(t.pid(), k -> new LinkedHashSet<>()).add(t.camera() + "/" + t.outfit());
        }
        int pid = combos.entrySet().stream().max((a, b) -> Integer.compare(a.getValue().size(), b.getValue().size()))
                .map(Map.Entry::getKey).orElse(plan.tasks.get(0).pid());
        List<Task> mine = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Task t : plan.tasks) if (t.pid() == pid && t.kind() == Kind.PERSON && seen.add(t.camera() + "/" + t.outfit())) mine.add(t);
        for (Task t : plan.tasks) if (t.pid() == pid && t.kind() == Kind.PERSON && !mine.contains(t) && mine.size() < SHEET_COLUMNS) mine.add(t);
        mine.sort((a, b) -> a.outfit() != b.outfit() ? Integer.compare(a.outfit(), b.outfit()) : Integer.compare(a.camera(), b.camera()));
        if (mine.size() > SHEET_COLUMNS) mine = mine.subList(0, SHEET_COLUMNS);
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        for (Task t : mine) {
            Map<String, Object> rec = records.get(t.index());
            String caption = "c" + (t.camera() + 1) + " o" + (t.outfit() + 1) + " " + ((String) rec.get("view")).charAt(0)
                    + ((double) rec.get("occluded") > 0 ? String.format(Locale.ROOT, " %.0f%%", 100 * (double) rec.get("occluded")) : "");
            tiles.add(new ContactSheet.Tile(read(fs, new Path(root, (String) rec.get("image"))),
                    read(fs, new Path(root, (String) rec.get("foreground"))), read(fs, new Path(root, (String) rec.get("parts"))), caption));
        }
        List<BufferedImage> others = new ArrayList<>();
        Set<Integer> shown = new LinkedHashSet<>();
        for (Task t : plan.tasks) {
            if (others.size() >= SHEET_COLUMNS) break;
            if (t.kind() == Kind.PERSON && t.pid() != pid && shown.add(t.pid())) {
                others.add(read(fs, new Path(root, (String) records.get(t.index()).get("image"))));
            }
        }
        String title = plan.config.variant().configName() + " (seed " + plan.config.seed() + "): pid " + pid
                + "\nc camera, o outfit, f/b/l/r view\nrows: image, foreground, parts";
        return ContactSheet.build(title, tiles, others);
    }

    private static BufferedImage read(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            BufferedImage img = ImageIO.read(in);
            if (img == null) throw new IOException("cannot decode " + p);
            return img;
        }
    }
}
