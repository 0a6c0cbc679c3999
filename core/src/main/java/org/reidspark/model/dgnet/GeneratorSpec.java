package org.reidspark.model.dgnet;

import java.util.Arrays;
import java.util.List;

/**
 * The sizes of DG-Net's generator (structure encoder {@code Es} and decoder {@code G}; official code
 * github.com/NVlabs/DG-Net, {@code networks.py}: {@code ContentEncoder}, {@code Decoder}, {@code AdaINGen}; the
 * official values in docs/dgnet-official-code.md section 1, a scaled-down CPU configuration in section 7).
 *
 * @param height         input height (divisible by 4: two stride-2 convolutions)
 * @param width          input width (divisible by 4)
 * @param dim            the encoder's first width ({@code gen.dim}, 16 officially): Es widens it to {@code 2 dim},
 *                       {@code 4 dim}, and its ASPP outputs the structure code with {@code 8 dim} channels at a quarter
 *                       of the input size
 * @param resBlocks      residual blocks in Es and in G ({@code n_res}, 4 officially); G's block k takes its AdaIN
 *                       scales and shifts from appearance chunk k, so there are as many chunks
 * @param dilations      the ASPP branches' dilations (3, 6, 9 officially; each needs a map larger than it for the
 *                       reflection padding)
 * @param mlpDim         the AdaIN MLPs' hidden width ({@code mlp_dim}, 512 officially)
 * @param chunk          values per appearance chunk ({@code id_dim}, 2048 officially): the appearance code has
 *                       {@code resBlocks x chunk} values
 */
public record GeneratorSpec(int height, int width, int dim, int resBlocks, List<Integer> dilations, int mlpDim, int chunk) {
    public GeneratorSpec {
        if (height < 4 || width < 4 || height % 4 != 0 || width % 4 != 0) {
            throw new IllegalArgumentException("the generator's input must be at least 4x4 and divisible by 4, got " + height + "x" + width);
        }
        if (dim < 1 || resBlocks < 1 || mlpDim < 1 || chunk < 1) {
            throw new IllegalArgumentException("generator sizes must be positive: dim " + dim + ", blocks " + resBlocks
                    + ", mlp " + mlpDim + ", chunk " + chunk);
        }
        dilations = List.copyOf(dilations);
        if (dilations.isEmpty()) throw new IllegalArgumentException("ASPP needs at least one dilation");
        for (int d : dilations) {
            if (d < 1 || d >= height / 4 || d >= width / 4) {
                throw new IllegalArgumentException("ASPP dilation " + d + " needs a structure map larger than it (reflection "
                        + "padding), and the map is " + height / 4 + "x" + width / 4 + "; dilations " + dilations);
            }
        }
    }

    /** The official sizes at 256x128: dim 16, 4 blocks, dilations 3/6/9, MLP 512, chunks of 2048. */
    public static GeneratorSpec official() {
        return new GeneratorSpec(256, 128, 16, 4, Arrays.asList(3, 6, 9), 512, 2048);
    }

    /** Channels of the structure code: {@code 8 dim}. */
    public int structureChannels() {
        return 8 * dim;
    }

    /** Values of the appearance code: {@code resBlocks x chunk}. */
    public int appearanceSize() {
        return resBlocks * chunk;
    }
}
