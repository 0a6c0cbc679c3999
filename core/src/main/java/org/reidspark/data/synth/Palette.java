package org.reidspark.data.synth;

import java.awt.Color;

/**
 * The colours people and scenes are drawn from. Clothing palettes are deliberately small so that many
 * identities share colours (the hard negatives a colour histogram cannot separate); scene palettes reuse
 * clothing colours so that background clutter pollutes colour statistics as it does in street footage.
 */
final class Palette {
    private Palette() {
    }

    static final Color[] TOPS = {
            rgb(0x1c1c1e), rgb(0xf2f2f0), rgb(0x8a8d91), rgb(0x2b3a67), rgb(0x3f6fb5), rgb(0x9cc3e6),
            rgb(0xb3262e), rgb(0x6e1f2a), rgb(0x2f6b3a), rgb(0x8fae5a), rgb(0xe3c14b), rgb(0xe07b39),
            rgb(0xe8a0b4), rgb(0x6a4c93), rgb(0x7b5a3c), rgb(0xd8c8a8), rgb(0x2a7f7f), rgb(0x4d4d52)};

    static final Color[] BOTTOMS = {
            rgb(0x26344f), rgb(0x4a6790), rgb(0x1b1b1d), rgb(0x5c5f66), rgb(0xb7a27a), rgb(0x6b5238),
            rgb(0xd9d4c7), rgb(0x3d4a30), rgb(0x2a2d3a), rgb(0x8c8f94)};

    static final Color[] SKIN = {
            rgb(0xf3d3bd), rgb(0xe8b996), rgb(0xd19a74), rgb(0xb07a54), rgb(0x8a5a3b), rgb(0x5e3b27)};

    static final Color[] HAIR = {
            rgb(0x141210), rgb(0x2e1f16), rgb(0x4a3020), rgb(0x7a5230), rgb(0xc9a566), rgb(0x9a9a98), rgb(0x7d3a1e)};

    static final Color[] SHOES = {
            rgb(0xf4f4f2), rgb(0x151515), rgb(0x5a3a22), rgb(0x8e8e90), rgb(0xb02a2a), rgb(0x2c4f8c), rgb(0xd8c39a),
            rgb(0x2f5d3a)};

    static final Color[] ACCESSORIES = {
            rgb(0x151515), rgb(0x5a3a22), rgb(0x8b2331), rgb(0x2c4f8c), rgb(0x9a9a98), rgb(0xc9a566),
            rgb(0x3a5a3a), rgb(0xe07b39), rgb(0xe8a0b4)};

    static final Color[] WALLS = {
            rgb(0xb9b2a6), rgb(0x8c5a46), rgb(0xd6cdb8), rgb(0x6f7378), rgb(0x9aa6ad), rgb(0xc7b08d),
            rgb(0x4d5a66), rgb(0xe2ded4), rgb(0x7a6a58)};

    static final Color[] GROUNDS = {
            rgb(0x9a958c), rgb(0x6d6a66), rgb(0xb8ad98), rgb(0x4d4c4a), rgb(0x7f8a6a), rgb(0xa38c74),
            rgb(0x8b8f93)};

    static final Color[] FOLIAGE = {rgb(0x3d5a2a), rgb(0x56743a), rgb(0x2c4422), rgb(0x6f8a45)};

    static Color rgb(int hex) {
        return new Color(hex);
    }

    /** {@code c} scaled by {@code f} (shading). */
    static Color shade(Color c, double f) {
        return new Color(Rng.clamp(c.getRed() * f), Rng.clamp(c.getGreen() * f), Rng.clamp(c.getBlue() * f));
    }

    /** Linear mix, t = 0 gives a. */
    static Color mix(Color a, Color b, double t) {
        return new Color(Rng.clamp(a.getRed() + (b.getRed() - a.getRed()) * t),
                Rng.clamp(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                Rng.clamp(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }

    static Color alpha(Color c, double a) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), Rng.clamp(a * 255));
    }

    /** A colour that stands out against {@code c} (for logos, stripes). */
    static Color contrast(Color c, Rng rng) {
        double lum = 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
        Color[] pool = TOPS;
        for (int tries = 0; tries < 20; tries++) {
            Color x = rng.pick(pool);
            double l = 0.299 * x.getRed() + 0.587 * x.getGreen() + 0.114 * x.getBlue();
            if (Math.abs(l - lum) > 60) return x;
        }
        return lum > 128 ? rgb(0x1c1c1e) : rgb(0xf2f2f0);
    }
}
