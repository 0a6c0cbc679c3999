package org.reidspark.method;

import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny re-ID dataset in memory for the method contract: {@code identities} training identities and as many test
 * identities, {@value #PER_IDENTITY} images each over two cameras and two outfits, drawn at the method's input size.
 * Each identity has its own upper and lower colours (so identities are learnable), each image a seeded noise and a
 * horizontal shift. Deterministic in its arguments, so Spark tasks can rebuild any shard of it.
 */
public final class ContractData {
    public static final int PER_IDENTITY = 4;
    private final Manifest manifest;
    private final Map<String, RgbImage> images = new LinkedHashMap<>();

    public ContractData(int identities, int height, int width) {
        List<Sample> samples = new ArrayList<>();
        for (Split split : new Split[] {Split.TRAIN, Split.QUERY, Split.GALLERY}) {
            for (int id = 0; id < identities; id++) {
                int pid = split == Split.TRAIN ? id + 1 : identities + id + 1;
                for (int j = 0; j < PER_IDENTITY; j++) {
                    boolean query = j == 0;
                    if (split == Split.QUERY && !query || split == Split.GALLERY && query) continue;
                    int cam = j % 2;
                    int clothes = 2 * (pid - 1) + (j / 2);
                    String uri = "mem:" + split.lower() + "/" + pid + "_" + j;
                    samples.add(new Sample(uri, pid, split == Split.TRAIN ? id : -1, cam, clothes, split));
                    images.put(uri, draw(pid, j, height, width));
                }
            }
        }
        manifest = new Manifest("contract", "mem:", samples);
    }

    private static RgbImage draw(int pid, int j, int h, int w) {
        Random colours = new Random(31L * pid);
        int[] upper = {colours.nextInt(256), colours.nextInt(256), colours.nextInt(256)};
        int[] lower = {colours.nextInt(256), colours.nextInt(256), colours.nextInt(256)};
        Random noise = new Random(1000L * pid + j);
        int shift = noise.nextInt(3) - 1;
        byte[] rgb = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean body = Math.abs(x - w / 2 - shift) < w / 3;
                int[] c = !body ? new int[] {90, 90, 90} : y < h / 2 ? upper : lower;
                for (int k = 0; k < 3; k++) {
                    int v = c[k] + (int) (noise.nextGaussian() * 12);
                    rgb[(y * w + x) * 3 + k] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return new RgbImage(h, w, rgb);
    }

    public Manifest manifest() {
        return manifest;
    }

    public ImageSource images() {
        return ImageSource.of(images);
    }

    /** The training samples and their keys (index in the manifest). */
    public List<Sample> train() {
        return manifest.train();
    }

    public long[] trainKeys() {
        return TrainingData.of(manifest).trainKeys();
    }

    /**
     * Training shard {@code id} of {@code count}: identities dealt round-robin, as the shard job keeps a person's
     * images together.
     */
    public Shard trainShard(int id, int count) {
        Shard.Builder b = Shard.builder(Split.TRAIN, id);
        List<Sample> all = manifest.samples();
        for (int i = 0; i < all.size(); i++) {
            Sample s = all.get(i);
            if (s.split() == Split.TRAIN && s.label() % count == id) b.add(i, s, images.get(s.uri()));
        }
        return b.build();
    }
}
