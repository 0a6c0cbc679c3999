package org.reidspark.data.synth;

import org.reidspark.data.synth.Look.BagStyle;
import org.reidspark.data.synth.Look.Body;
import org.reidspark.data.synth.Look.BottomStyle;
import org.reidspark.data.synth.Look.HairStyle;
import org.reidspark.data.synth.Look.HatStyle;
import org.reidspark.data.synth.Look.Identity;
import org.reidspark.data.synth.Look.Outfit;
import org.reidspark.data.synth.Look.Pattern;
import org.reidspark.data.synth.Look.ShoeStyle;
import org.reidspark.data.synth.Look.TopStyle;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws identities from a seed. Every identity's first outfit takes the top and bottom colours of its
 * colour scheme, which it shares with other identities; what tells those apart is smaller: texture,
 * sleeves, shoes, hair, bags, hats, body shape.
 */
final class People {
    private People() {
    }

    /** The base (top, bottom) colours of scheme {@code scheme}. */
    static Color[] scheme(long seed, int scheme) {
        Rng r = Rng.of(seed, Rng.SCHEME, scheme);
        return new Color[]{r.pick(Palette.TOPS), r.pick(Palette.BOTTOMS)};
    }

    /**
     * @param key      the person's stream key (distinct for every person the generator draws)
     * @param pid      dataset id written in file names
     * @param scheme   colour scheme index of the first outfit
     * @param outfits  how many outfits the person owns (1 except in the clothes-changing variant)
     */
    static Identity create(long seed, long key, int pid, int scheme, int outfits) {
        Rng r = Rng.of(seed, Rng.IDENTITY, key);
        Body body = new Body(r.uniform(0.86, 1.06), r.uniform(0.85, 1.2), r.uniform(0.9, 1.1),
                r.uniform(0.94, 1.06), r.uniform(0.6, 1.0));
        Color skin = r.jitter(r.pick(Palette.SKIN), 8);
        Color hair = r.jitter(r.pick(Palette.HAIR), 8);
        HairStyle hairStyle = HairStyle.values()[r.weighted(0.3, 0.15, 0.25, 0.1, 0.1, 0.1)];
        Color shoes = r.jitter(r.pick(Palette.SHOES), 10);
        ShoeStyle shoeStyle = ShoeStyle.values()[r.weighted(0.5, 0.3, 0.2)];
        boolean glasses = r.chance(0.15);
        Color[] base = scheme(seed, scheme);
        List<Outfit> list = new ArrayList<>();
        for (int i = 0; i < outfits; i++) {
            Color top = i == 0 ? r.jitter(base[0], 14) : r.jitter(r.pick(Palette.TOPS), 14);
            Color bottom = i == 0 ? r.jitter(base[1], 12) : r.jitter(r.pick(Palette.BOTTOMS), 12);
            list.add(outfit(r, i, top, bottom));
        }
        return new Identity(pid, key, scheme, body, skin, hair, hairStyle, shoes, shoeStyle, glasses, list);
    }

    private static Outfit outfit(Rng r, int index, Color top, Color bottom) {
        TopStyle topStyle = TopStyle.values()[r.weighted(0.35, 0.25, 0.17, 0.06, 0.17)];
        Pattern pattern = Pattern.values()[r.weighted(0.42, 0.13, 0.06, 0.11, 0.18, 0.10)];
        Color accent = Palette.contrast(top, r);
        if (topStyle == TopStyle.JACKET && pattern == Pattern.SOLID) {
            // the shirt under an open jacket
            accent = r.jitter(r.pick(Palette.TOPS), 10);
        }
        int logo = r.nextInt(4);
        BottomStyle bottomStyle = BottomStyle.values()[r.weighted(0.7, 0.15, 0.15)];
        boolean checks = r.chance(0.08);
        Color bottomAccent = Palette.contrast(bottom, r);
        HatStyle hat = HatStyle.values()[r.weighted(0.8, 0.12, 0.08)];
        Color hatColour = r.jitter(r.pick(Palette.ACCESSORIES), 10);
        BagStyle bag = BagStyle.values()[r.weighted(0.6, 0.25, 0.15)];
        Color bagColour = r.jitter(r.pick(Palette.ACCESSORIES), 10);
        boolean backpack = r.chance(0.3);
        Color backpackColour = r.jitter(r.pick(Palette.ACCESSORIES), 10);
        boolean belt = r.chance(0.3);
        return new Outfit(index, topStyle, top, pattern, accent, logo, bottomStyle, bottom, checks, bottomAccent,
                hat, hatColour, bag, bagColour, backpack, backpackColour, belt);
    }
}
