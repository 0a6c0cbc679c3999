package org.reidspark.data.synth;

import org.reidspark.data.Split;
import org.reidspark.data.synth.Look.Identity;

import java.util.ArrayList;
import java.util.List;

/**
 * What the generator will render, decided up front and sequentially from the seed (cheap; the rendering
 * is what runs in parallel): the identities, each one's cameras, images and outfits, the train/test split of
 * identities, which test images are queries, which images are occluded, the file names.
 *
 * <p>Rules: every identity is seen by 2..cameras cameras, each of which gets at least one image. Train and
 * test identities are disjoint (a seeded half each). A test identity gives up to {@code queries-per-identity}
 * queries, from different cameras, each keeping a true match in the gallery on another camera (in the
 * clothes-changing variant: on another camera and in other clothes). In the clothes-changing variant an
 * identity owns 2..4 outfits; with {@code reid.synth.outfits = crossing} (generator version 3) each image's outfit is
 * drawn independently of its camera, so outfits cross cameras ({@link #crossingOutfits}); with {@code per-camera}
 * (version 2) it wears one outfit per camera, every outfit on at least one camera.
 */
final class SynthPlan {
    enum Kind { PERSON, DISTRACTOR, JUNK }

    /**
     * One image to render.
     *
     * @param index    position in the plan (the order of records in synth.json)
     * @param identity who (for junk: the person a fragment is cut from)
     * @param outfit   0-based outfit index of {@code identity}
     * @param camera   0-based camera
     * @param k        image number within the identity (seeds the image's stream)
     * @param occluded whether the image must show an occluder
     */
    record Task(int index, Kind kind, Split split, int pid, Identity identity, int outfit, int camera, int k,
                boolean occluded, String fileName) {
    }

    final SynthConfig config;
    final List<Identity> identities;
    final List<Task> tasks;

    private SynthPlan(SynthConfig config, List<Identity> identities, List<Task> tasks) {
        this.config = config;
        this.identities = List.copyOf(identities);
        this.tasks = List.copyOf(tasks);
    }

    private record Draft(Identity identity, Split split, int outfit, int camera, int k, String fileName) {
    }

    static SynthPlan build(SynthConfig cfg) {
        Rng r = Rng.of(cfg.seed(), Rng.PLAN);
        SynthVariant v = cfg.variant();
        int n = cfg.identities();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        r.shuffle(order);
        boolean[] train = new boolean[n];
        for (int i = 0; i < n / 2; i++) train[order[i]] = true;
        int schemes = Math.max(1, (int) Math.ceil((double) n / cfg.identitiesPerScheme()));
        int[] schemeOf = new int[n];
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        r.shuffle(perm);
        for (int i = 0; i < n; i++) schemeOf[perm[i]] = i % schemes;

        List<Identity> identities = new ArrayList<>();
        List<Draft> drafts = new ArrayList<>();
        List<Boolean> query = new ArrayList<>();
        int maxCams = Math.min(cfg.cameras(), cfg.imagesPerIdentity());
        for (int i = 0; i < n; i++) {
            int pid = i + 1;
            int m = r.range(2, maxCams);
            int[] cams = new int[cfg.cameras()];
            for (int c = 0; c < cams.length; c++) cams[c] = c;
            r.shuffle(cams);
            int[] count = new int[m];
            for (int c = 0; c < m; c++) count[c] = 1;
            for (int j = m; j < cfg.imagesPerIdentity(); j++) count[r.nextInt(m)]++;
            int[] outfitOfImage;
            int outfits;
            if (cfg.outfitsCross()) {
                outfits = r.range(2, Math.min(4, cfg.imagesPerIdentity() / 2));
                outfitOfImage = crossingOutfits(r, count, outfits);
            } else {
                // generator version 2: one outfit per camera (the draws of that version, in its order)
                outfits = v.clothesChanging() ? r.range(2, Math.min(4, m)) : 1;
                int[] outfitOfCam = new int[m];
                for (int c = 0; c < m; c++) outfitOfCam[c] = c < outfits ? c : r.nextInt(outfits);
                outfitOfImage = new int[cfg.imagesPerIdentity()];
                for (int c = 0, k = 0; c < m; c++) for (int j = 0; j < count[c]; j++) outfitOfImage[k++] = outfitOfCam[c];
            }
            Identity id = People.create(cfg.seed(), i, pid, schemeOf[i], outfits);
            identities.add(id);
            Split split = train[i] ? Split.TRAIN : Split.GALLERY;
            int first = drafts.size();
            int k = 0;
            for (int c = 0; c < m; c++) {
                for (int j = 0; j < count[c]; j++, k++) {
                    int frame = k * 1000 + r.nextInt(1000);
                    String name = v.fileName(pid, outfitOfImage[k] + 1, cams[c] + 1, frame, r.range(1, 6) * 10 + r.range(1, 4));
                    drafts.add(new Draft(id, split, outfitOfImage[k], cams[c], k, name));
                    query.add(false);
                }
            }
            if (!train[i]) chooseQueries(r, drafts, query, first, cfg.queriesPerIdentity(), v.clothesChanging());
        }

        List<Task> tasks = new ArrayList<>();
        List<Integer> trainIdx = new ArrayList<>();
        List<Integer> galleryIdx = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            Draft d = drafts.get(i);
            Split split = query.get(i) ? Split.QUERY : d.split();
            tasks.add(new Task(i, Kind.PERSON, split, d.identity().pid(), d.identity(), d.outfit(), d.camera(), d.k(),
                    split == Split.QUERY && v == SynthVariant.OCCLUDED, d.fileName()));
            if (split == Split.TRAIN) trainIdx.add(i);
            if (split == Split.GALLERY) galleryIdx.add(i);
        }
        if (v == SynthVariant.OCCLUDED) {
            occludeSome(r, tasks, trainIdx, cfg.occludedFraction());
            occludeSome(r, tasks, galleryIdx, cfg.occludedFraction());
        }
        if (v == SynthVariant.HOLISTIC) {
            for (int j = 0; j < cfg.distractors(); j++) {
                Identity d = People.create(cfg.seed(), n + j, 0, r.nextInt(schemes), 1);
                int cam = r.nextInt(cfg.cameras());
                String name = v.fileName(0, 1, cam + 1, j * 1000 + r.nextInt(1000), r.range(1, 6) * 10 + r.range(1, 4));
                tasks.add(new Task(tasks.size(), Kind.DISTRACTOR, Split.GALLERY, 0, d, 0, cam, 0, false, name));
            }
            for (int j = 0; j < cfg.junk(); j++) {
                Identity d = People.create(cfg.seed(), (long) n + cfg.distractors() + j, -1, r.nextInt(schemes), 1);
                int cam = r.nextInt(cfg.cameras());
                String name = v.fileName(-1, 1, cam + 1, j * 1000 + r.nextInt(1000), r.range(1, 6) * 10);
                tasks.add(new Task(tasks.size(), Kind.JUNK, Split.GALLERY, -1, d, 0, cam, 0, false, name));
            }
        }
        return new SynthPlan(cfg, identities, tasks);
    }

    /** Draws of an outfit assignment before {@link #crossingOutfits} keeps the last one. */
    static final int CROSSING_ATTEMPTS = 64;

    /**
     * Generator version 3's outfits of one identity's images (images ordered by camera, {@code count[c]} on its c-th
     * camera): each image's outfit is drawn uniformly and independently of its camera, every outfit worn at least
     * once (a seeded choice of images takes outfits 0..outfits-1 first). Drawn again (up to {@value #CROSSING_ATTEMPTS}
     * times, then the last draw stays) until some outfit is seen by two cameras and, where a camera has two images,
     * some camera sees two outfits: outfits cross cameras, as in LTCC.
     */
    static int[] crossingOutfits(Rng r, int[] count, int outfits) {
        int n = 0;
        for (int c : count) n += c;
        int[] cameraOf = new int[n];
        for (int c = 0, k = 0; c < count.length; c++) for (int j = 0; j < count[c]; j++) cameraOf[k++] = c;
        boolean cameraCanMix = false;
        for (int c : count) cameraCanMix |= c >= 2;
        int[] outfit = new int[n];
        for (int attempt = 0; attempt < CROSSING_ATTEMPTS; attempt++) {
            int[] order = new int[n];
            for (int k = 0; k < n; k++) order[k] = k;
            r.shuffle(order);
            for (int k = 0; k < n; k++) outfit[order[k]] = k < outfits ? k : r.nextInt(outfits);
            if (crosses(outfit, cameraOf, count.length, outfits, cameraCanMix)) break;
        }
        return outfit;
    }

    /** Whether an outfit is seen by two cameras and (when {@code cameraCanMix}) a camera sees two outfits. */
    static boolean crosses(int[] outfit, int[] cameraOf, int cameras, int outfits, boolean cameraCanMix) {
        boolean[][] seen = new boolean[cameras][outfits];
        for (int k = 0; k < outfit.length; k++) seen[cameraOf[k]][outfit[k]] = true;
        boolean outfitOnTwoCameras = false;
        for (int o = 0; o < outfits; o++) {
            int cams = 0;
            for (int c = 0; c < cameras; c++) if (seen[c][o]) cams++;
            outfitOnTwoCameras |= cams >= 2;
        }
        boolean cameraWithTwoOutfits = false;
        for (int c = 0; c < cameras; c++) {
            int os = 0;
            for (int o = 0; o < outfits; o++) if (seen[c][o]) os++;
            cameraWithTwoOutfits |= os >= 2;
        }
        return outfitOnTwoCameras && (cameraWithTwoOutfits || !cameraCanMix);
    }

    /**
     * Marks up to {@code wanted} of one test identity's images (drafts[first..]) as queries, from different
     * cameras, keeping for every query a gallery image of another camera (and other clothes when asked).
     */
    private static void chooseQueries(Rng r, List<Draft> drafts, List<Boolean> query, int first, int wanted, boolean otherClothes) {
        int end = drafts.size();
        List<Integer> cams = new ArrayList<>();
        for (int i = first; i < end; i++) if (!cams.contains(drafts.get(i).camera())) cams.add(drafts.get(i).camera());
        int[] order = new int[cams.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        r.shuffle(order);
        int chosen = 0;
        for (int oi : order) {
            if (chosen == wanted) break;
            int cam = cams.get(oi);
            List<Integer> inCam = new ArrayList<>();
            for (int i = first; i < end; i++) if (drafts.get(i).camera() == cam) inCam.add(i);
            int pick = inCam.get(r.nextInt(inCam.size()));
            query.set(pick, true);
            if (allMatched(drafts, query, first, end, otherClothes)) chosen++;
            else query.set(pick, false);
        }
    }

    private static boolean allMatched(List<Draft> drafts, List<Boolean> query, int first, int end, boolean otherClothes) {
        for (int q = first; q < end; q++) {
            if (!query.get(q)) continue;
            boolean match = false;
            for (int g = first; g < end && !match; g++) {
                if (query.get(g)) continue;
                Draft a = drafts.get(q);
                Draft b = drafts.get(g);
                match = a.camera() != b.camera() && (!otherClothes || a.outfit() != b.outfit());
            }
            if (!match) return false;
        }
        return true;
    }

    /** Occludes exactly round(fraction * n) of the given tasks, chosen by the seed. */
    private static void occludeSome(Rng r, List<Task> tasks, List<Integer> indices, double fraction) {
        List<Integer> shuffled = new ArrayList<>(indices);
        int[] o = new int[shuffled.size()];
        for (int i = 0; i < o.length; i++) o[i] = i;
        r.shuffle(o);
        int count = (int) Math.round(fraction * indices.size());
        for (int i = 0; i < count; i++) {
            int idx = shuffled.get(o[i]);
            Task t = tasks.get(idx);
            tasks.set(idx, new Task(t.index(), t.kind(), t.split(), t.pid(), t.identity(), t.outfit(), t.camera(), t.k(),
                    true, t.fileName()));
        }
    }
}
