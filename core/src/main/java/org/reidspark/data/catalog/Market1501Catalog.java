package org.reidspark.data.catalog;

import java.util.List;

/**
 * Market-1501 (Zheng et al., ICCV 2015, https://doi.org/10.1109/ICCV.2015.133):
 * {@code Market-1501-v15.09.15/{bounding_box_train,query,bounding_box_test}}, names like
 * {@code 0002_c1s1_000451_03.jpg} (pid 0002, camera 1, sequence 1, frame 000451, box 03). Pid -1 is junk
 * (dropped), 0000 a distractor (kept in the gallery). The full dataset reads as 751 training ids,
 * 12,936 train / 3,368 query / 15,913 gallery images, 6 cameras.
 *
 * <p>The root may be the folder holding the three split folders, or a parent of
 * {@code Market-1501-v15.09.15} (also torchreid's {@code market1501/} arrangement).
 */
public final class Market1501Catalog extends BoundingBoxCatalog {
    public static final String NAME = "market1501";
    /** The folder the dataset unpacks to. */
    public static final String FOLDER = "Market-1501-v15.09.15";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    String title() {
        return "Market-1501";
    }

    @Override
    List<String> subfolders() {
        return List.of(FOLDER, "market1501/" + FOLDER, "market1501");
    }

    @Override
    String rule() {
        return "<pid>_c<camera>s<sequence>_<frame>_<box>.jpg, e.g. 0002_c1s1_000451_03.jpg";
    }
}
