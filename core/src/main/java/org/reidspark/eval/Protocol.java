package org.reidspark.eval;

import org.reidspark.config.Check;

import java.util.List;

/**
 * Which gallery items count as true matches of a query, which are removed ("junk"), and how the CMC is formed.
 * In every protocol a gallery item of another person is an ordinary non-match (pid 0 and -1 included), and
 * every gallery item of the query's own person is either a true match or junk:
 * <ul>
 *   <li>{@link #STANDARD} (Market-1501, DukeMTMC, MSMT17; torchreid, fast-reid, BoT): true match = same pid,
 *       different camera; junk = same pid, same camera.</li>
 *   <li>{@link #CLOTHES_CHANGING} (LTCC/PRCC "CC", CAL's {@code evaluate_with_clothes(mode='CC')}): true match =
 *       same pid, different camera, different clothes; junk = same pid and (same camera or same clothes).</li>
 *   <li>{@link #SAME_CLOTHES} (CAL's mode 'SC'): true match = same pid, different camera, same clothes;
 *       junk = same pid and (same camera or different clothes).</li>
 *   <li>{@link #SINGLE_GALLERY_SHOT} (CUHK03, torchreid's {@code eval_cuhk03}): matches and junk as
 *       {@link #STANDARD}; the CMC is averaged over repeated random draws of one gallery item per person
 *       (see {@link RankingEvaluator}); mAP and mINP use the whole gallery.</li>
 * </ul>
 */
public enum Protocol {
    STANDARD("standard"),
    CLOTHES_CHANGING("clothes-changing"),
    SAME_CLOTHES("same-clothes"),
    SINGLE_GALLERY_SHOT("single-gallery-shot");

    /** Every protocol name, as written in config and on the command line. */
    public static final List<String> NAMES = List.of("standard", "clothes-changing", "same-clothes", "single-gallery-shot");

    private final String configName;

    Protocol(String configName) {
        this.configName = configName;
    }

    /** The name used in config and on the command line, e.g. {@code clothes-changing}. */
    public String configName() {
        return configName;
    }

    /** Whether query and gallery need clothes ids. */
    public boolean needsClothes() {
        return this == CLOTHES_CHANGING || this == SAME_CLOTHES;
    }

    /**
     * Whether gallery item {@code j} is a true match of query {@code qi} (the rule in the class comment; the clothes
     * protocols read the clothes ids, which the labels must then have).
     */
    public boolean isMatch(Labels query, int qi, Labels gallery, int j) {
        if (query.pids()[qi] != gallery.pids()[j] || query.camids()[qi] == gallery.camids()[j]) return false;
        return switch (this) {
            case STANDARD, SINGLE_GALLERY_SHOT -> true;
            case CLOTHES_CHANGING -> query.clothes()[qi] != gallery.clothes()[j];
            case SAME_CLOTHES -> query.clothes()[qi] == gallery.clothes()[j];
        };
    }

    /** Whether gallery item {@code j} is junk for query {@code qi}: the query's own person, but not a true match. */
    public boolean isJunk(Labels query, int qi, Labels gallery, int j) {
        return query.pids()[qi] == gallery.pids()[j] && !isMatch(query, qi, gallery, j);
    }

    /** The rule for a true match, for error messages. */
    public String matchRule() {
        return switch (this) {
            case STANDARD, SINGLE_GALLERY_SHOT -> "the same pid and a different camera id";
            case CLOTHES_CHANGING -> "the same pid, a different camera id and a different clothes id";
            case SAME_CLOTHES -> "the same pid, a different camera id and the same clothes id";
        };
    }

    public static Protocol byName(String name) {
        return switch (name) {
            case "standard" -> STANDARD;
            case "clothes-changing" -> CLOTHES_CHANGING;
            case "same-clothes" -> SAME_CLOTHES;
            case "single-gallery-shot" -> SINGLE_GALLERY_SHOT;
            default -> throw Check.unknownName("evaluation protocol", name, NAMES);
        };
    }

    @Override
    public String toString() {
        return configName;
    }
}
