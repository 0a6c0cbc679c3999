package org.reidspark.data.synth;

import java.util.List;

/**
 * The part labels of the {@code .parts.png} masks: 0 background, 1 head (with hair and hat), 2 torso (upper-body
 * clothes, backpack, shoulder bag), 3 arms (sleeves, hands, a bag held in the hand), 4 legs (trousers, shorts,
 * skirt, bare legs), 5 shoes. The {@code .fg.png} mask is 255 where the label is not background.
 */
public final class Parts {
    public static final int BACKGROUND = 0;
    public static final int HEAD = 1;
    public static final int TORSO = 2;
    public static final int ARMS = 3;
    public static final int LEGS = 4;
    public static final int SHOES = 5;
    /** Number of labels, background included. */
    public static final int COUNT = 6;
    /** Names of labels 1..5, in label order. */
    public static final List<String> NAMES = List.of("head", "torso", "arms", "legs", "shoes");

    private Parts() {
    }

    public static String name(int label) {
        return label == BACKGROUND ? "background" : NAMES.get(label - 1);
    }
}
