package org.reidspark.data.synth;

import org.junit.jupiter.api.Test;
import org.reidspark.data.Split;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generator's plan (who is drawn where, in which outfit, under which file name): version 3 changes only the
 * clothes-changing variant's outfits, and the datasets of version 2 stay reproducible for their seeds.
 */
class SynthPlanTest {
    private static SynthConfig defaults(SynthVariant v, long seed, SynthConfig.Outfits outfits) {
        return new SynthConfig(v, "unused", 200, 6, 12, 128, 64, seed, 0, 2, 30, 10, 0.1, 4, false, outfits);
    }

    /** SHA-256 over every task of the plan and the identity it draws (scheme, outfits owned). */
    private static String hash(SynthConfig c) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (SynthPlan.Task t : SynthPlan.build(c).tasks) {
            md.update((t.index() + "," + t.kind() + "," + t.split() + "," + t.pid() + "," + t.outfit() + "," + t.camera()
                    + "," + t.k() + "," + t.occluded() + "," + t.fileName() + "," + t.identity().scheme() + ","
                    + t.identity().outfits().size() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /**
     * The hashes of the plans generator version 2 made (computed with that version's code, commit 77cdb57, before
     * version 3 was written): holistic and occluded plans, whatever reid.synth.outfits says, and clothes-changing
     * plans with outfits = per-camera must stay these, so that those datasets render to the same bytes.
     */
    @Test
    void version2PlansAreUnchanged() throws Exception {
        Map<String, String> version2 = Map.of(
                "HOLISTIC 1", "a5a896cb6526376a47c94a858deeb0800dc5375836bbc96e6f276629bc43f315",
                "HOLISTIC 2", "21cd9082e4d3f2d7166ccbd5de423bec4b8d6d01b80bce885b175bcee44fc13b",
                "OCCLUDED 1", "71638ee38f2e0e2856c89bd5c604a2aedf4d25d497506eaa382c93883a04246e",
                "OCCLUDED 2", "600e43e4cc920af68d5def065826418166ab3a22138309019897b3a5b9aeccae",
                "CLOTHES_CHANGING 1", "b1cca32ec22429cd0b4cc1544671906e7b42f6752896cc744e2d22c37be86035",
                "CLOTHES_CHANGING 2", "32430bbb94c5d0742bc9554d7877f86b7b3cfe9122ac81a7b8f8053cfeb9df4f");
        for (SynthVariant v : SynthVariant.values()) {
            for (long seed : new long[] {1, 2}) {
                String want = version2.get(v + " " + seed);
                assertEquals(want, hash(defaults(v, seed, SynthConfig.Outfits.PER_CAMERA)), v + " seed " + seed + ", per-camera");
                if (v.clothesChanging()) {
                    assertNotEquals(want, hash(defaults(v, seed, SynthConfig.Outfits.CROSSING)), "version 3 changes " + v);
                } else {
                    assertEquals(want, hash(defaults(v, seed, SynthConfig.Outfits.CROSSING)), v + " seed " + seed + ", crossing");
                }
            }
        }
    }

    @Test
    void versionRecordedIsThreeOnlyWhereThePlanChanged() {
        for (SynthVariant v : SynthVariant.values()) {
            assertEquals(2, SynthGenerator.parameters(defaults(v, 1, SynthConfig.Outfits.PER_CAMERA)).get("rendering"), v.toString());
            assertEquals(v.clothesChanging() ? 3 : 2,
                    SynthGenerator.parameters(defaults(v, 1, SynthConfig.Outfits.CROSSING)).get("rendering"), v.toString());
        }
    }

    /**
     * Version 3, the default split: every identity wears every one of its outfits; outfits cross cameras for almost
     * every identity (an outfit on two cameras and a camera with two outfits); over the dataset, the outfit tells
     * little about the camera inside an identity; and queries keep a clothes-changing match.
     */
    @Test
    void crossingOutfitsAreSpreadOverCameras() {
        SynthPlan plan = SynthPlan.build(defaults(SynthVariant.CLOTHES_CHANGING, 1, SynthConfig.Outfits.CROSSING));
        Map<Integer, List<SynthPlan.Task>> byPid = new HashMap<>();
        for (SynthPlan.Task t : plan.tasks) byPid.computeIfAbsent(t.pid(), k -> new java.util.ArrayList<>()).add(t);
        int crossing = 0;
        int pairs = 0;
        int sameOutfitSameCamera = 0;
        for (List<SynthPlan.Task> tasks : byPid.values()) {
            int owned = tasks.get(0).identity().outfits().size();
            Set<Integer> worn = new HashSet<>();
            Map<Integer, Set<Integer>> camsOfOutfit = new HashMap<>();
            Map<Integer, Set<Integer>> outfitsOfCam = new HashMap<>();
            for (SynthPlan.Task t : tasks) {
                worn.add(t.outfit());
                camsOfOutfit.computeIfAbsent(t.outfit(), k -> new HashSet<>()).add(t.camera());
                outfitsOfCam.computeIfAbsent(t.camera(), k -> new HashSet<>()).add(t.outfit());
            }
            assertEquals(owned, worn.size(), "pid " + tasks.get(0).pid() + " wears every outfit it owns");
            assertTrue(owned >= 2 && owned <= 4, "outfits " + owned);
            boolean outfitOnTwo = camsOfOutfit.values().stream().anyMatch(c -> c.size() >= 2);
            boolean camWithTwo = outfitsOfCam.values().stream().anyMatch(o -> o.size() >= 2);
            if (outfitOnTwo && camWithTwo) crossing++;
            // within an identity: of two images on the same camera, how often is the outfit the same?
            for (int a = 0; a < tasks.size(); a++) {
                for (int b = a + 1; b < tasks.size(); b++) {
                    if (tasks.get(a).camera() != tasks.get(b).camera()) continue;
                    pairs++;
                    if (tasks.get(a).outfit() == tasks.get(b).outfit()) sameOutfitSameCamera++;
                }
            }
        }
        assertTrue(crossing >= 0.95 * byPid.size(), crossing + " of " + byPid.size() + " identities have crossing outfits");
        // version 2 would give 1.0 (one outfit per camera); independent draws over 2-4 outfits give about 0.3-0.5
        double same = (double) sameOutfitSameCamera / pairs;
        assertTrue(same < 0.6, "same outfit for " + same + " of same-camera pairs");
        for (SynthPlan.Task q : plan.tasks) {
            if (q.split() != Split.QUERY) continue;
            assertTrue(plan.tasks.stream().anyMatch(g -> g.split() == Split.GALLERY && g.pid() == q.pid()
                    && g.camera() != q.camera() && g.outfit() != q.outfit()), "query without a clothes-changing match: " + q.fileName());
        }
        assertFalse(byPid.isEmpty());
    }
}
