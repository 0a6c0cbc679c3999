package org.reidspark.data.bench;

import org.reidspark.data.Seeds;
import org.reidspark.data.TestImages;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.augment.Surrogate;
import org.reidspark.data.augment.SurrogateConfig;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Throughput of the image pipeline on the calling thread (not a test: run by hand,
 * {@code java -cp <test classpath> org.reidspark.data.bench.PipelineBench [height width]}). Prints images per
 * second for BoT's augmentation + normalization, PAUL's surrogates, JPEG decoding and resizing.
 */
public final class PipelineBench {
    private PipelineBench() {
    }

    public static void main(String[] args) throws Exception {
        int h = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int w = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        InputConfig input = new InputConfig(h, w, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), "drop");
        Augmentation bot = new Augmentation(input, new AugmentConfig(0.5, 10, 0.5, 0.02, 0.4, 0.3, "mean"));
        Surrogate paul = new Surrogate(new SurrogateConfig("all", 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1));
        RgbImage[] imgs = new RgbImage[64];
        for (int i = 0; i < imgs.length; i++) imgs[i] = TestImages.noise(h, w, i);
        float[] dst = new float[bot.size()];
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up
            int n = 20_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) bot.apply(imgs[i % imgs.length], Seeds.random(1, i), dst, 0);
            report(round, "BoT augment + normalize " + h + "x" + w, n, t0);
            n = 3_000;
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) paul.apply(imgs[i % imgs.length], Seeds.random(2, i));
            report(round, "PAUL surrogate (jitter + rotate + crop) " + h + "x" + w, n, t0);
        }
        BufferedImage market = new BufferedImage(64, 128, BufferedImage.TYPE_3BYTE_BGR);
        RgbImage noise = TestImages.noise(128, 64, 9);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 64; x++) market.setRGB(x, y, noise.get(y, x, 0) << 16 | (x * 4) << 8 | y * 2);
        }
        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        ImageIO.write(market, "jpg", jpg);
        byte[] bytes = jpg.toByteArray();
        ImageDecoder decoder = new ImageDecoder(Alpha.DROP);
        for (int round = 0; round < 2; round++) {
            int n = 3_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) Resize.bilinear(decoder.decode(bytes, "bench.jpg"), 256, 128);
            report(round, "decode 128x64 JPEG + resize to 256x128", n, t0);
        }
    }

    private static void report(int round, String what, int n, long t0) {
        double s = (System.nanoTime() - t0) / 1e9;
        if (round > 0) System.out.printf("%-50s %8.0f images/s%n", what, n / s);
    }
}
