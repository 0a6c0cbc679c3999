package org.reidspark.data.synth;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code reid.synth}: what the synthetic benchmark generator renders and where it writes it.
 *
 * @param variant              holistic, occluded or clothes-changing (decides the layout written)
 * @param output               directory or URI the dataset goes to (local path, s3a://, hdfs://)
 * @param identities           number of identities; the first half (by a seeded shuffle) trains, the rest test
 * @param cameras              number of cameras (2..9 for the Market and Duke layouts, 2..99 for LTCC)
 * @param imagesPerIdentity    images rendered per identity
 * @param height               image height in pixels
 * @param width                image width in pixels
 * @param seed                 seed of everything random; the same seed gives the same bytes
 * @param threads              rendering threads; 0 = one per available processor
 * @param queriesPerIdentity   query images per test identity, each from a different camera
 * @param distractors          distractor images (pid 0000) in the holistic gallery
 * @param junk                 junk images (pid -1) in the holistic gallery
 * @param occludedFraction     fraction of training and gallery images occluded in the occluded variant
 * @param identitiesPerScheme  identities sharing each clothing colour scheme (hard negatives)
 * @param overwrite            replace an existing dataset in {@code output}
 * @param outfits              clothes-changing variant: how outfits are spread over an identity's cameras
 */
public record SynthConfig(SynthVariant variant, String output, int identities, int cameras, int imagesPerIdentity,
                          int height, int width, long seed, int threads, int queriesPerIdentity, int distractors,
                          int junk, double occludedFraction, int identitiesPerScheme, boolean overwrite, Outfits outfits) {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");

    /**
     * {@code reid.synth.outfits}: which outfit a clothes-changing identity wears in each image.
     * <ul>
     *   <li>{@link #CROSSING} (generator version 3, the default): as in LTCC, outfits cross cameras: an outfit is seen
     *       by several cameras and a camera sees several outfits of the same person, each image's outfit drawn
     *       independently of its camera (every outfit worn at least once). A clothes label then says nothing about the
     *       camera within an identity.</li>
     *   <li>{@link #PER_CAMERA} (generator version 2): one outfit per (identity, camera), every outfit on at least
     *       one camera; the outfit is a function of the camera inside an identity. Kept to reproduce the datasets of
     *       version 2 byte for byte.</li>
     * </ul>
     */
    public enum Outfits {
        CROSSING("crossing"),
        PER_CAMERA("per-camera");

        public static final java.util.List<String> NAMES = java.util.List.of("crossing", "per-camera");
        private final String configName;

        Outfits(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static Outfits byName(String name) {
            return switch (name) {
                case "crossing" -> CROSSING;
                case "per-camera" -> PER_CAMERA;
                default -> throw Check.unknownName("outfit plan (reid.synth.outfits)", name, NAMES);
            };
        }
    }

    /** Settings with the default outfit plan, {@link Outfits#CROSSING}. */
    public SynthConfig(SynthVariant variant, String output, int identities, int cameras, int imagesPerIdentity,
                       int height, int width, long seed, int threads, int queriesPerIdentity, int distractors,
                       int junk, double occludedFraction, int identitiesPerScheme, boolean overwrite) {
        this(variant, output, identities, cameras, imagesPerIdentity, height, width, seed, threads, queriesPerIdentity,
                distractors, junk, occludedFraction, identitiesPerScheme, overwrite, Outfits.CROSSING);
    }

    public SynthConfig {
        if (variant == null) throw ConfigError.badValue("reid.synth.variant", null, "one of " + SynthVariant.NAMES);
        Check.nonBlank("reid.synth.output", output);
        Check.inRange("reid.synth.identities", identities, 4, 9999);
        if (cameras < 2 || cameras > variant.maxCameras()) {
            throw ConfigError.badValue("reid.synth.cameras", cameras, "an integer in [2, " + variant.maxCameras()
                    + "] for the " + variant.configName() + " variant (its file names hold "
                    + (variant.maxCameras() == 9 ? "one camera digit" : "two camera digits") + ")");
        }
        Check.inRange("reid.synth.images-per-identity", imagesPerIdentity, 4, 999);
        Check.inRange("reid.synth.size (height)", height, 32, 1024);
        Check.inRange("reid.synth.size (width)", width, 16, 1024);
        Check.nonNegative("reid.synth.threads", threads);
        Check.inRange("reid.synth.queries-per-identity", queriesPerIdentity, 1, cameras - 1);
        Check.inRange("reid.synth.distractors", distractors, 0, 999);
        Check.inRange("reid.synth.junk", junk, 0, 999);
        Check.inRange("reid.synth.occluded-fraction", occludedFraction, 0.0, 1.0);
        Check.positive("reid.synth.identities-per-colour-scheme", identitiesPerScheme);
        if (outfits == null) throw ConfigError.badValue("reid.synth.outfits", null, "one of " + Outfits.NAMES);
    }

    public static SynthConfig from(Config c) {
        Config s = c.getConfig("reid.synth");
        int[] size = parseSize(s.getString("size"));
        return new SynthConfig(SynthVariant.byName(s.getString("variant")), s.getString("output"), s.getInt("identities"),
                s.getInt("cameras"), s.getInt("images-per-identity"), size[0], size[1], s.getLong("seed"),
                s.getInt("threads"), s.getInt("queries-per-identity"), s.getInt("distractors"), s.getInt("junk"),
                s.getDouble("occluded-fraction"), s.getInt("identities-per-colour-scheme"), s.getBoolean("overwrite"),
                Outfits.byName(s.getString("outfits")));
    }

    /** {@code "HxW"}, e.g. {@code 128x64}, as {height, width}. */
    static int[] parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) throw ConfigError.badValue("reid.synth.size", text, "HEIGHTxWIDTH in pixels, e.g. 128x64 or 256x128");
        return new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    public String size() {
        return height + "x" + width;
    }

    /** The same settings with another variant (its camera limit is checked again). */
    public SynthConfig withVariant(SynthVariant v) {
        return new SynthConfig(v, output, identities, cameras, imagesPerIdentity, height, width, seed, threads,
                queriesPerIdentity, distractors, junk, occludedFraction, identitiesPerScheme, overwrite, outfits);
    }

    public SynthConfig withOutput(String o) {
        return new SynthConfig(variant, o, identities, cameras, imagesPerIdentity, height, width, seed, threads,
                queriesPerIdentity, distractors, junk, occludedFraction, identitiesPerScheme, overwrite, outfits);
    }

    /** The same settings with another outfit plan. */
    public SynthConfig withOutfits(Outfits o) {
        return new SynthConfig(variant, output, identities, cameras, imagesPerIdentity, height, width, seed, threads,
                queriesPerIdentity, distractors, junk, occludedFraction, identitiesPerScheme, overwrite, o);
    }

    /** Whether the plan spreads outfits over cameras ({@link Outfits#CROSSING}) for this variant. */
    public boolean outfitsCross() {
        return variant.clothesChanging() && outfits == Outfits.CROSSING;
    }
}
