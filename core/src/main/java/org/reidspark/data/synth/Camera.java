package org.reidspark.data.synth;

import java.awt.image.BufferedImage;

/**
 * One synthetic camera: its scene (a panorama wider and taller than a crop, of which every image shows a
 * different window at a different scale), its colour rendition and its image quality, and which way people
 * walk past it.
 *
 * @param index        0-based camera index
 * @param scene        the background panorama
 * @param gain         per-channel colour gains (white balance: colour cast)
 * @param gamma        tone curve exponent
 * @param saturation   colour saturation multiplier
 * @param brightness   mean brightness multiplier (images vary around it)
 * @param blur         Gaussian blur sigma in pixels at 128 px image height
 * @param noise        sensor noise sigma (0..255 scale)
 * @param resolution   capture resolution relative to the output (1 = full, 0.55 = upscaled from about half)
 * @param jpegQuality  JPEG quality 0..1 the camera's images are stored with
 * @param viewWeights  how often people are seen from the front, back, left and right in this camera
 */
record Camera(int index, BufferedImage scene, double[] gain, double gamma, double saturation, double brightness,
              double blur, double noise, double resolution, float jpegQuality, double[] viewWeights) {

    static Camera create(long seed, int index, int height, int width) {
        Rng r = Rng.of(seed, Rng.CAMERA, index);
        // camera rendition: white balance, tone curve, saturation and exposure differ from camera to camera
        double warm = r.uniform(-0.085, 0.085);
        double tint = r.uniform(-0.04, 0.04);
        double[] gain = {1 + warm + r.uniform(-0.025, 0.025), 1 + tint + r.uniform(-0.025, 0.025),
                1 - warm + r.uniform(-0.025, 0.025)};
        double gamma = r.uniform(0.9, 1.12);
        double saturation = r.uniform(0.72, 1.18);
        double brightness = r.uniform(0.89, 1.08);
        double blur = r.uniform(0.0, 0.9);
        double noise = r.uniform(2, 9);
        double resolution = r.pick(new Double[]{1.0, 1.0, 0.75, 0.55});
        float quality = (float) r.uniform(0.7, 0.95);
        // a camera looking along a path sees fronts and backs; one looking across it sees sides
        double along = r.uniform(0.1, 0.9);
        double[] views = {along * r.uniform(0.3, 0.7), 0, (1 - along) * r.uniform(0.3, 0.7), 0};
        views[1] = along - views[0];
        views[3] = (1 - along) - views[2];
        BufferedImage scene = ScenePainter.paint(seed, index, height, width);
        return new Camera(index, scene, gain, gamma, saturation, brightness, blur, noise, resolution, quality, views);
    }
}
