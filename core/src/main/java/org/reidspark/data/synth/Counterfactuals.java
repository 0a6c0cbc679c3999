package org.reidspark.data.synth;

import org.reidspark.data.synth.Look.Identity;
import org.reidspark.data.synth.SynthPlan.Kind;
import org.reidspark.data.synth.SynthPlan.Task;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counterfactual renders of a synthetic dataset: image {@code x_j} redrawn with its person wearing the outfit the person
 * of image {@code x_i} wears. That is the pixel ground truth of DG-Net's cross-identity generation {@code G(a_i, s_j)}
 * (Zheng et al., CVPR 2019, https://arxiv.org/abs/1904.07223: appearance from {@code x_i}, structure from {@code x_j}),
 * which no real dataset has. Everything but the outfit is {@code x_j}'s: scene, camera and its effects, view, pose,
 * body, skin, hair, shoes, glasses, passer-by and occluder, drawn from {@code x_j}'s own random stream; from {@code x_i}
 * come the top, bottom, hat, bag, backpack and belt of the outfit it shows. So it differs from {@code x_j} only on the
 * person and as far around it as the camera's lower-resolution capture and blur spread a change. With
 * {@code x_i = x_j} (or any image of the same person in the same outfit) the render is {@code x_j} itself, before
 * compression.
 *
 * <p>For evaluating a generator only, never for training (the generator's ground truth, like its masks, is for
 * evaluation). Built once per dataset from the config that generated it ({@code synth.json} records it); images are
 * named by their file names in the dataset.
 */
public final class Counterfactuals {
    private final Renderer renderer;
    private final Map<String, Task> byName = new LinkedHashMap<>();

    /** The counterfactuals of the dataset {@code cfg} generates (its plan and cameras, rebuilt; nothing is read). */
    public Counterfactuals(SynthConfig cfg) {
        this.renderer = Renderer.of(cfg);
        for (Task t : SynthPlan.build(cfg).tasks) {
            if (t.kind() != Kind.JUNK) byName.put(t.fileName(), t);
        }
    }

    /**
     * One counterfactual render.
     *
     * @param image      the picture (as the generator draws it, before the camera's compression)
     * @param foreground the person's mask in it (255 on the person, 0 elsewhere)
     */
    public record Render(BufferedImage image, BufferedImage foreground) {
    }

    /**
     * The image {@code structure} ({@code x_j}, a file name of the dataset) with its person wearing the outfit of the
     * person in image {@code appearance} ({@code x_i}).
     */
    public Render render(String appearance, String structure) {
        Task i = task(appearance);
        Task j = task(structure);
        Identity person = j.identity();
        Renderer.Rendered r = renderer.render(person, i.identity().outfits().get(i.outfit()), j.camera(), j.occluded(),
                person.key(), j.k());
        return new Render(r.image(), Codec.mask(r.labels(), renderer.width(), renderer.height(), true));
    }

    /** The image {@code name} as the generator draws it (before compression): the render with its own outfit. */
    public Render original(String name) {
        return render(name, name);
    }

    private Task task(String name) {
        Task t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no image " + name + " of a person in this synthetic dataset (" + byName.size()
                    + " images; file names as in its folders, e.g. " + byName.keySet().iterator().next() + ")");
        }
        return t;
    }
}
