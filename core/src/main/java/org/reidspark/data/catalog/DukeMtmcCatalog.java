package org.reidspark.data.catalog;

import java.util.List;

/**
 * DukeMTMC-reID (Zheng et al., ICCV 2017, https://arxiv.org/abs/1701.07717; from Ristani et al., ECCV-W 2016):
 * {@code DukeMTMC-reID/{bounding_box_train,query,bounding_box_test}}, names like {@code 0001_c2_f0046182.jpg}
 * (pid 0001, camera 2, frame 0046182). The full dataset reads as 702 training ids, 16,522 train / 2,228 query /
 * 17,661 gallery images, 8 cameras.
 *
 * <p>The root may be the folder holding the three split folders, or a parent of {@code DukeMTMC-reID}
 * (also torchreid's {@code dukemtmc-reid/DukeMTMC-reID} arrangement).
 */
public final class DukeMtmcCatalog extends BoundingBoxCatalog {
    public static final String NAME = "dukemtmc";
    /** The folder the dataset unpacks to. */
    public static final String FOLDER = "DukeMTMC-reID";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    String title() {
        return "DukeMTMC-reID";
    }

    @Override
    List<String> subfolders() {
        return List.of(FOLDER, "dukemtmc-reid/" + FOLDER);
    }

    @Override
    String rule() {
        return "<pid>_c<camera>_f<frame>.jpg, e.g. 0001_c2_f0046182.jpg";
    }
}
