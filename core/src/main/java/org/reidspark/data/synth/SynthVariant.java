package org.reidspark.data.synth;

import org.reidspark.config.Check;
import org.reidspark.data.Split;

import java.util.List;
import java.util.Locale;

/**
 * The three synthetic benchmarks and the real layout each is written in, so that the real datasets'
 * catalogs read them:
 * <ul>
 *   <li>{@code holistic}: Market-1501, {@code Market-1501-v15.09.15/{bounding_box_train,query,bounding_box_test}},
 *       {@code 0002_c1s1_000451_03.jpg}, with distractors (pid 0000) and junk (pid -1) in the gallery;</li>
 *   <li>{@code occluded}: Occluded-Duke, {@code Occluded_Duke/{bounding_box_train,query,bounding_box_test}},
 *       {@code 0001_c2_f0046182.jpg}; every query and a fraction of the gallery and training images occluded;</li>
 *   <li>{@code clothes-changing}: LTCC, {@code LTCC_ReID/{train,query,test}}, {@code 001_1_c11_015804.png}
 *       (pid, clothes, camera, frame); every identity wears 2-4 outfits.</li>
 * </ul>
 */
public enum SynthVariant {
    HOLISTIC("holistic", "market1501", "Market-1501-v15.09.15", List.of("bounding_box_train", "query", "bounding_box_test"), "jpg", 9),
    OCCLUDED("occluded", "occluded-duke", "Occluded_Duke", List.of("bounding_box_train", "query", "bounding_box_test"), "jpg", 9),
    CLOTHES_CHANGING("clothes-changing", "ltcc", "LTCC_ReID", List.of("train", "query", "test"), "png", 99);

    /** The config names, in declaration order. */
    public static final List<String> NAMES = List.of("holistic", "occluded", "clothes-changing");

    private final String configName;
    private final String catalog;
    private final String folder;
    private final List<String> splitFolders;
    private final String extension;
    private final int maxCameras;

    SynthVariant(String configName, String catalog, String folder, List<String> splitFolders, String extension, int maxCameras) {
        this.configName = configName;
        this.catalog = catalog;
        this.folder = folder;
        this.splitFolders = splitFolders;
        this.extension = extension;
        this.maxCameras = maxCameras;
    }

    public static SynthVariant byName(String name) {
        return switch (name) {
            case "holistic" -> HOLISTIC;
            case "occluded" -> OCCLUDED;
            case "clothes-changing" -> CLOTHES_CHANGING;
            default -> throw Check.unknownName("synthetic variant (reid.synth.variant)", name, NAMES);
        };
    }

    /** The name in config and on the command line. */
    public String configName() {
        return configName;
    }

    /** The name of the catalog that reads this layout ({@code reid.data.dataset}). */
    public String catalog() {
        return catalog;
    }

    /** The dataset folder under the output directory. */
    public String folder() {
        return folder;
    }

    /** The folder of a split inside {@link #folder()}. */
    public String splitFolder(Split split) {
        return splitFolders.get(split.ordinal());
    }

    /** Image file extension without the dot. */
    public String extension() {
        return extension;
    }

    /** Cameras the naming rule can express (one digit after {@code _c} in the Market and Duke rules). */
    public int maxCameras() {
        return maxCameras;
    }

    public boolean clothesChanging() {
        return this == CLOTHES_CHANGING;
    }

    /**
     * An image file name.
     *
     * @param pid     person id (0 distractor, -1 junk)
     * @param clothes 1-based outfit number (LTCC only)
     * @param camera  1-based camera
     * @param frame   frame number, unique per person
     * @param extra   sequence (Market, 1..6) mixed with the box number (Market, 1..9): {@code seq * 10 + box}
     */
    String fileName(int pid, int clothes, int camera, int frame, int extra) {
        return switch (this) {
            case HOLISTIC -> (pid < 0 ? "-1" : String.format(Locale.ROOT, "%04d", pid))
                    + String.format(Locale.ROOT, "_c%ds%d_%06d_%02d.jpg", camera, extra / 10, frame, extra % 10);
            case OCCLUDED -> String.format(Locale.ROOT, "%04d_c%d_f%07d.jpg", pid, camera, frame);
            case CLOTHES_CHANGING -> String.format(Locale.ROOT, "%03d_%d_c%d_%06d.png", pid, clothes, camera, frame);
        };
    }
}
