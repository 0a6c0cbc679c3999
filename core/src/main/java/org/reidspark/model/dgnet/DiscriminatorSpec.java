package org.reidspark.model.dgnet;

/**
 * The sizes of DG-Net's multi-scale discriminator (official code github.com/NVlabs/DG-Net, {@code networks.py}
 * {@code MsImageDis}, config {@code dis}: docs/dgnet-official-code.md section 1.4; a scaled-down CPU configuration in
 * section 7).
 *
 * @param height    input height; every scale halves it (average pooling) and each scale's network divides it by
 *                  {@code 2^layers}, so it must be divisible by {@code 2^(scales - 1 + layers)}
 * @param width     input width, the same rule
 * @param dim       the first width ({@code dis.dim}, 32 officially); doubled by each further downsampling layer
 * @param layers    downsampling (stride-2) convolutions per scale ({@code dis.n_layer}, 2 officially)
 * @param resBlocks residual blocks per scale at the last width ({@code dis.n_res}, 4 officially)
 * @param scales    scales ({@code dis.num_scales}, 3 officially): scale k sees the input average-pooled k times
 */
public record DiscriminatorSpec(int height, int width, int dim, int layers, int resBlocks, int scales) {
    public DiscriminatorSpec {
        if (dim < 1 || layers < 1 || resBlocks < 0 || scales < 1) {
            throw new IllegalArgumentException("discriminator sizes: dim " + dim + " and layers " + layers + " must be >= 1,"
                    + " residual blocks " + resBlocks + " >= 0, scales " + scales + " >= 1");
        }
        int divisor = 1 << (scales - 1 + layers);
        if (height < 2 * divisor || width < 2 * divisor || height % divisor != 0 || width % divisor != 0) {
            throw new IllegalArgumentException("a discriminator of " + scales + " scales with " + layers + " downsampling layers"
                    + " needs an input divisible by " + divisor + " and at least twice that (its last map at least 2x2 for"
                    + " the reflection padding), got " + height + "x" + width);
        }
    }

    /** The official sizes at 256x128: dim 32, 2 downsampling layers, 4 residual blocks, 3 scales. */
    public static DiscriminatorSpec official() {
        return new DiscriminatorSpec(256, 128, 32, 2, 4, 3);
    }

    /** Channels after the downsampling layers: {@code dim x 2^(layers - 1)}. */
    public int channels() {
        return dim << (layers - 1);
    }

    /** Height of scale {@code k}'s output map: {@code height / 2^(k + layers)}. */
    public int outputHeight(int k) {
        return height >> (k + layers);
    }

    /** Width of scale {@code k}'s output map. */
    public int outputWidth(int k) {
        return width >> (k + layers);
    }
}
