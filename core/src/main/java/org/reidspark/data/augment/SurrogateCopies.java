package org.reidspark.data.augment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.reidspark.data.Seeds;
import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/**
 * PAUL's surrogates made ahead of training (the {@code augment} job) rather than in the batch loader
 * ({@link SurrogateView}): copy {@code c} of the image with key {@code k} is the {@link Surrogate} drawn from a generator
 * seeded by (run seed, {@code k}, {@code c}) alone ({@link Seeds}), so a rerun, a retried task or another
 * partitioning makes the same bytes. Each copy keeps the parameters it drew ({@link Surrogate.Transform}, stored as
 * JSON beside the image), from which {@link Surrogate#apply(RgbImage, Surrogate.Transform)} makes the same image
 * again.
 *
 * <p>Training reads the copies back through its {@link org.reidspark.data.image.ImageSource}
 * ({@link org.reidspark.data.image.ImageSource#copies}) and {@link StoredSurrogateView} picks one per step.
 */
public final class SurrogateCopies {
    /** Tags the surrogate copies' random stream. */
    public static final long STREAM = 0x5355524FL;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SurrogateCopies() {
    }

    /**
     * One stored surrogate.
     *
     * @param key       the image's key (its index in the dataset's manifest)
     * @param copy      the copy's index, {@code 0..copies-1}
     * @param transform the parameters it drew
     * @param image     the surrogate, at the image's own size
     */
    public record Copy(long key, int copy, Surrogate.Transform transform, RgbImage image) {
        /** The transform as JSON ({@link Surrogate.Transform#toMap()}). */
        public String transformJson() {
            return json(transform);
        }
    }

    /** Copy {@code copy} of the image {@code img} with key {@code key}, under the run seed {@code seed}. */
    public static Copy make(Surrogate surrogate, long seed, long key, int copy, RgbImage img) {
        if (copy < 0) throw new IllegalArgumentException("copy index must be >= 0, got " + copy);
        SplittableRandom rnd = Seeds.random(seed, STREAM, key, copy);
        Surrogate.Transform t = surrogate.draw(img.height(), img.width(), rnd);
        return new Copy(key, copy, t, Surrogate.apply(img, t));
    }

    /** {@code transform} as JSON; doubles are written so that they read back exactly. */
    public static String json(Surrogate.Transform transform) {
        try {
            return JSON.writeValueAsString(transform.toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a surrogate transform as JSON", e);
        }
    }

    /** The transform {@link #json} wrote. */
    public static Surrogate.Transform transform(String json) {
        try {
            return Surrogate.Transform.fromJson(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a surrogate transform: " + json, e);
        }
    }
}
