package org.reidspark.data.synth;

import java.awt.Color;
import java.util.List;

/** What a synthetic person looks like: the identity's body and the outfits it wears. */
final class Look {
    private Look() {
    }

    enum HairStyle { SHORT, CROPPED, LONG, BUN, PONYTAIL, CURLY }

    enum ShoeStyle { SNEAKER, SHOE, BOOT }

    enum TopStyle { TSHIRT, LONG_SLEEVE, JACKET, TANK, COAT }

    enum BottomStyle { TROUSERS, SHORTS, SKIRT }

    enum Pattern { SOLID, HSTRIPES, VSTRIPES, CHECKS, LOGO, TWO_TONE }

    enum HatStyle { NONE, CAP, BEANIE }

    enum BagStyle { NONE, SHOULDER, HAND }

    /**
     * Per-identity body: proportions stay the same across outfits and cameras.
     *
     * @param height    person height relative to the nominal (about 0.86..1.06)
     * @param build     width multiplier of torso and limbs (slim 0.85 .. broad 1.2)
     * @param headSize  head size multiplier
     * @param legRatio  leg length relative to body
     * @param stride    walking stride amplitude
     */
    record Body(double height, double build, double headSize, double legRatio, double stride) {
    }

    /**
     * One outfit; clothes ids are per identity (0-based index into {@link Identity#outfits()}).
     */
    record Outfit(int index, TopStyle top, Color topColour, Pattern topPattern, Color topAccent, int logoShape,
                  BottomStyle bottom, Color bottomColour, boolean bottomChecks, Color bottomAccent,
                  HatStyle hat, Color hatColour, BagStyle bag, Color bagColour, boolean backpack,
                  Color backpackColour, boolean belt) {
    }

    /**
     * One person.
     *
     * @param pid      the dataset person id (0 for a distractor)
     * @param key      the generator's internal key of the person (seeds its random stream)
     * @param scheme   the colour scheme the first outfit shares with other identities (hard negatives)
     */
    record Identity(int pid, long key, int scheme, Body body, Color skin, Color hair, HairStyle hairStyle,
                    Color shoeColour, ShoeStyle shoeStyle, boolean glasses, List<Outfit> outfits) {
        Identity {
            outfits = List.copyOf(outfits);
        }
    }
}
