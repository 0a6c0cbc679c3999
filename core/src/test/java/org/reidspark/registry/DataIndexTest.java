package org.reidspark.registry;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dataset indexed by content: names and order do not change its identity, new, removed and relabelled images do;
 * unchanged files are not read again; the index survives a write and read.
 */
class DataIndexTest {
    @TempDir
    java.nio.file.Path tmp;

    private final Storage storage = new Storage(new Configuration());

    private java.nio.file.Path file(String name, String content) throws Exception {
        java.nio.file.Path f = tmp.resolve("data").resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        return f;
    }

    private Sample train(java.nio.file.Path f, int pid, int label) {
        return new Sample(f.toUri().toString().replace("file:///", "file:/"), pid, label, 0, -1, Split.TRAIN);
    }

    private Manifest manifest(List<Sample> samples) {
        return new Manifest("test", tmp.resolve("data").toString(), samples);
    }

    @Test
    void theIdentityIsTheContentAndLabelsNotTheNamesOrOrder() throws Exception {
        java.nio.file.Path a = file("a.jpg", "image of person 1");
        java.nio.file.Path b = file("b.jpg", "image of person 2");
        DataIndex.Built first = DataIndex.build(storage, manifest(List.of(train(a, 1, 0), train(b, 2, 1))), null, 2);
        assertEquals(2, first.hashed());
        DataIndex index = first.index();
        assertEquals(sha("image of person 1"), index.entries().get(0).sha256());

        java.nio.file.Path renamed = tmp.resolve("data/renamed.jpg");
        Files.move(b, renamed);
        DataIndex moved = DataIndex.build(storage, manifest(List.of(train(renamed, 2, 1), train(a, 1, 0))), index, 2).index();
        assertEquals(index.identity(), moved.identity(), "a renamed file and another order are the same data");
        assertTrue(moved.since(index).isEmpty());

        DataIndex relabelled = DataIndex.build(storage, manifest(List.of(train(a, 1, 0), train(renamed, 3, 1))), index, 2).index();
        assertNotEquals(index.identity(), relabelled.identity(), "a changed label is a change");
        DataIndex.Changes c = relabelled.since(index);
        assertEquals(1, c.added().size());
        assertEquals(3, c.added().get(0).pid());
        assertEquals(1, c.removed().size());
        assertEquals(2, c.removed().get(0).pid());
        assertEquals(List.of(3), DataIndex.Changes.newTrainIdentities(index, relabelled));

        java.nio.file.Path d = file("d.jpg", "image of person 1"); // the same bytes as a.jpg, another sample
        DataIndex added = DataIndex.build(storage, manifest(List.of(train(a, 1, 0), train(renamed, 2, 1), train(d, 1, 0))),
                index, 2).index();
        assertEquals(1, added.since(index).added().size(), "a duplicate image is one more sample");
        assertEquals(0, added.since(index).removed().size());
    }

    @Test
    void unchangedFilesKeepTheirHashesAndChangedOnesAreReadAgain() throws Exception {
        java.nio.file.Path a = file("a.jpg", "one");
        java.nio.file.Path b = file("b.jpg", "two");
        Manifest m = manifest(List.of(train(a, 1, 0), train(b, 2, 1)));
        DataIndex index = DataIndex.build(storage, m, null, 1).index();
        DataIndex.Built again = DataIndex.build(storage, m, index, 1);
        assertEquals(0, again.hashed());
        assertEquals(2, again.reused());
        assertEquals(index.identity(), again.index().identity());

        Files.writeString(b, "three, longer");
        DataIndex.Built changed = DataIndex.build(storage, m, index, 1);
        assertEquals(1, changed.hashed(), "only the changed file is read");
        assertEquals(sha("three, longer"), changed.index().entries().get(1).sha256());
    }

    @Test
    void anImageThatIsGoneFailsNamingIt() throws Exception {
        java.nio.file.Path a = file("a.jpg", "one");
        java.nio.file.Path gone = tmp.resolve("data/gone.jpg");
        Manifest m = manifest(List.of(train(a, 1, 0), train(gone, 2, 1)));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> DataIndex.build(storage, m, null, 1));
        assertTrue(e.getMessage().contains("gone.jpg"), e.getMessage());
    }

    @Test
    void anIndexReadsBackAsWritten() throws Exception {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 5; i++) samples.add(train(file(i + ".jpg", "content " + i), i + 1, i));
        samples.add(new Sample(file("q.jpg", "query").toUri().toString(), 9, -1, 2, 4, Split.QUERY));
        DataIndex index = DataIndex.build(storage, manifest(samples), null, 3).index();
        Path p = new Path(tmp.toUri().toString(), "files.tsv.gz");
        index.write(storage, p);
        DataIndex back = DataIndex.read(storage, p);
        assertEquals(index, back);
        assertEquals(java.util.Map.of("train", 5, "query", 1, "gallery", 0), new java.util.HashMap<>(back.counts()));
    }

    private static String sha(String s) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
