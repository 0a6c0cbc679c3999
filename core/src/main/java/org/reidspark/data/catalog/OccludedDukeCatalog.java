package org.reidspark.data.catalog;

import java.util.List;

/**
 * Occluded-DukeMTMC (Miao et al., ICCV 2019, https://arxiv.org/abs/1908.08526):
 * {@code Occluded_Duke/{bounding_box_train,query,bounding_box_test}} with DukeMTMC-reID's names
 * ({@code 0001_c2_f0046182.jpg}); every query and about 10% of the gallery are occluded. The full dataset
 * reads as 702 training ids, 15,618 train / 2,210 query / 17,661 gallery images, 8 cameras.
 *
 * <p>The root may be the folder holding the three split folders, or a parent of {@code Occluded_Duke}.
 */
public final class OccludedDukeCatalog extends BoundingBoxCatalog {
    public static final String NAME = "occluded-duke";
    /** The folder the dataset unpacks to. */
    public static final String FOLDER = "Occluded_Duke";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    String title() {
        return "Occluded-Duke";
    }

    @Override
    List<String> subfolders() {
        return List.of(FOLDER);
    }

    @Override
    String rule() {
        return "<pid>_c<camera>_f<frame>.jpg, e.g. 0001_c2_f0046182.jpg";
    }
}
