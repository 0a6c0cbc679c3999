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

    /**
     * Camera {@code index} of {@code cameras}. Each rendition parameter is drawn by Latin hypercube sampling
     * over the cameras (camera c gets the c-th of {@code cameras} equal slices of the range, in a seeded order,
     * at a random place in it), so every dataset spans the ranges evenly and its difficulty varies little from
     * seed to seed.
     */
    static Camera create(long seed, int index, int cameras, int height, int width) {
        Rng r = Rng.of(seed, Rng.CAMERA, index);
        double[] u = new double[10];
        for (int k = 0; k < u.length; k++) u[k] = stratum(seed, k, index, cameras, r);
        // camera rendition: white balance, tone curve, saturation and exposure differ from camera to camera
        double warm = -0.065 + 0.13 * u[0];
        double tint = -0.03 + 0.06 * u[1];
        double[] gain = {1 + warm + r.uniform(-0.02, 0.02), 1 + tint + r.uniform(-0.02, 0.02),
                1 - warm + r.uniform(-0.02, 0.02)};
        double gamma = 0.92 + 0.17 * u[2];
        double saturation = 0.78 + 0.36 * u[3];
        double brightness = 0.91 + 0.16 * u[4];
        double blur = 0.9 * u[5];
        double noise = 2 + 7 * u[6];
        double resolution = u[7] < 0.5 ? 1.0 : u[7] < 0.75 ? 0.75 : 0.55;
        float quality = (float) (0.7 + 0.25 * u[8]);
        // a camera looking along a path sees fronts and backs; one looking across it sees sides
        double along = 0.1 + 0.8 * u[9];
        double[] views = {along * r.uniform(0.3, 0.7), 0, (1 - along) * r.uniform(0.3, 0.7), 0};
        views[1] = along - views[0];
        views[3] = (1 - along) - views[2];
        BufferedImage scene = ScenePainter.paint(seed, index, height, width);
        return new Camera(index, scene, gain, gamma, saturation, brightness, blur, noise, resolution, quality, views);
    }

    /** A uniform number in camera {@code index}'s slice of [0, 1) for parameter {@code k}. */
    private static double stratum(long seed, int k, int index, int cameras, Rng r) {
        int[] order = new int[cameras];
        for (int i = 0; i < cameras; i++) order[i] = i;
        Rng.of(seed, Rng.CAMERA, -2, k).shuffle(order);
        return (order[index] + r.uniform()) / cameras;
    }
}
