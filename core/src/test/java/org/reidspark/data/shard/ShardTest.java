package org.reidspark.data.shard;

import org.junit.jupiter.api.Test;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.TestImages;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.RgbImage;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-memory shard and the job summary. */
class ShardTest {
    private static Sample train(String name, int pid, int label) {
        return new Sample("s3a://b/train/" + name, pid, label, 0, -1, Split.TRAIN);
    }

    @Test
    void shardOrdersByKeyAndServesImagesByUri() {
        RgbImage a = TestImages.noise(4, 2, 1);
        RgbImage b = TestImages.noise(4, 2, 2);
        Sample sa = train("a.jpg", 5, 0);
        Sample sb = train("b.jpg", 7, 1);
        Shard shard = Shard.builder(Split.TRAIN, 3).add(9, sb, b).add(4, sa, a).build();
        assertEquals(List.of(sa, sb), shard.samples());
        assertEquals(4, shard.key(0));
        assertEquals(9, shard.key(1));
        assertEquals(a, shard.image(0));
        assertEquals(b, shard.images().image(sb.uri()));
        assertEquals(java.util.Set.of(5, 7), shard.pids());
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> shard.images().image("s3a://b/other.jpg"));
        assertTrue(e.getMessage().contains("s3a://b/other.jpg"), e.getMessage());
    }

    @Test
    void shardRejectsMixedSplitsAndDuplicates() {
        RgbImage img = TestImages.noise(4, 2, 1);
        Sample q = new Sample("s3a://b/query/x.jpg", 5, -1, 0, -1, Split.QUERY);
        assertThrows(IllegalArgumentException.class, () -> Shard.builder(Split.TRAIN, 0).add(0, q, img));
        Shard.Builder dup = Shard.builder(Split.TRAIN, 0).add(1, train("a.jpg", 1, 0), img).add(1, train("b.jpg", 1, 0), img);
        assertThrows(IllegalArgumentException.class, dup::build);
    }

    private static ShardSummary summary(int ok, String... badUris) {
        List<ShardSummary.Item> items = new java.util.ArrayList<>();
        for (int i = 0; i < ok; i++) items.add(new ShardSummary.Item(i, train(i + ".jpg", i % 3, i % 3), i % 2, null));
        for (int i = 0; i < badUris.length; i++) {
            items.add(new ShardSummary.Item(ok + i, new Sample(badUris[i], 1, 1, 0, -1, Split.TRAIN), 0, "corrupt, \"truncated\""));
        }
        return new ShardSummary(items);
    }

    @Test
    void badFractionCheckNamesImagesAndTheLimit() {
        ShardSummary s = summary(9, "s3a://b/bad,1.jpg");
        assertEquals(10, s.total());
        assertEquals(1, s.bad());
        assertEquals(0.1, s.badFraction(), 1e-12);
        s.check(0.1); // exactly at the limit passes
        BadImagesError e = assertThrows(BadImagesError.class, () -> s.check(0.05));
        assertTrue(e.getMessage().contains("1 of 10 images") && e.getMessage().contains("reid.shard.max-bad-fraction")
                && e.getMessage().contains("s3a://b/bad,1.jpg"), e.getMessage());
        assertEquals("key,uri,split,pid,camid,problem\n9,\"s3a://b/bad,1.jpg\",train,1,0,\"corrupt, \"\"truncated\"\"\"\n",
                s.badImagesCsv());
    }

    @Test
    void countsPerSplitAndShard() {
        ShardSummary s = summary(6, "s3a://b/x.jpg");
        Map<String, Object> c = s.counts();
        assertEquals(7, c.get("samples"));
        assertEquals(6, c.get("ok"));
        @SuppressWarnings("unchecked")
        Map<String, Object> train = (Map<String, Object>) ((Map<String, Object>) c.get("splits")).get("train");
        assertEquals(2, train.get("shards"));
        assertEquals(6, train.get("images"));
        assertEquals(1, train.get("bad"));
        assertEquals(3, train.get("identities"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> shards = (List<Map<String, Object>>) c.get("shards");
        // ok items 0..5: pid i%3 in shard i%2 -> shard 0 holds 0,2,4 (pids 0,2,1), shard 1 holds 1,3,5 (pids 1,0,2)
        assertEquals(3, shards.get(0).get("images"));
        assertEquals(1, shards.get(0).get("bad"));
        assertEquals(3, shards.get(1).get("identities"));
    }
}
