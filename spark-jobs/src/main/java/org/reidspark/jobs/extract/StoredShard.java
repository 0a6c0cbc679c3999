package org.reidspark.jobs.extract;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.reidspark.artifact.Storage;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;
import org.reidspark.jobs.shard.ShardRows;
import org.reidspark.jobs.shard.ShardSet;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One shard of a published shard set as an extract partition: the folder of its stored images
 * ({@code shards/split=<split>/shard=<n>/}, the {@code shard} job's Parquet rows: {@code uri, height, width, rgb} (HWC
 * bytes) among others) and, for each of the partition's uris, the shard set's reason when it could not decode it (null
 * when it did). The images are embedded as stored, decoded and resized once when the set was made: no image file is
 * read or decoded. The rows are read in file order, a batch at a time; every uri the partition names as readable must
 * be there exactly once, at the model's input size, or the task fails naming what differs.
 *
 * @param folder   the shard's folder (qualified)
 * @param problems the shard set's reason per uri of the partition ({@code problems[i]} for {@code uris[i]}), null where
 *                 the image is stored
 */
record StoredShard(String folder, String[] problems) implements Serializable {

    /** The partition's batches: its bad images first (as one batch, if any), then its stored images. */
    PartitionExtractor.Batches batches(Storage storage, String[] uris, InputConfig input, int batchSize) throws IOException {
        if (problems.length != uris.length) throw new IllegalArgumentException(problems.length + " problems for " + uris.length + " uris");
        List<PartitionExtractor.Decoded> bad = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < uris.length; i++) {
            if (problems[i] != null) bad.add(new PartitionExtractor.Decoded(uris[i], null, problems[i]));
            else expected.add(uris[i]);
        }
        List<Path> files = expected.isEmpty() ? List.of() : ShardSet.parquetFiles(storage, Storage.path(folder));
        return new PartitionExtractor.Batches() {
            private boolean badDone = bad.isEmpty();
            private int file;
            private ParquetReader<Group> reader;
            private final Set<String> seen = new HashSet<>();

            @Override
            public List<PartitionExtractor.Decoded> next() throws IOException {
                if (!badDone) {
                    badDone = true;
                    return bad;
                }
                List<PartitionExtractor.Decoded> out = new ArrayList<>(batchSize);
                while (out.size() < batchSize) {
                    if (reader == null) {
                        if (file == files.size()) break;
                        reader = ParquetReader.builder(new GroupReadSupport(), files.get(file++)).withConf(storage.hadoop()).build();
                    }
                    Group g = reader.read();
                    if (g == null) {
                        reader.close();
                        reader = null;
                        continue;
                    }
                    out.add(image(g));
                }
                if (out.isEmpty()) {
                    if (seen.size() != expected.size()) {
                        Set<String> missing = new TreeSet<>(expected);
                        missing.removeAll(seen);
                        throw new IOException("shard folder " + folder + " lacks " + missing.size() + " of the " + expected.size()
                                + " images its shard set's manifest lists there as stored (e.g. " + missing.iterator().next()
                                + "): the shard set is damaged; make it again with the shard job");
                    }
                    return null;
                }
                return out;
            }

            private PartitionExtractor.Decoded image(Group g) throws IOException {
                String uri = g.getString("uri", 0);
                if (!expected.contains(uri)) {
                    throw new IOException("shard folder " + folder + " holds " + uri + ", which its shard set's manifest does not"
                            + " list as stored in this shard: the shard set is damaged; make it again with the shard job");
                }
                if (!seen.add(uri)) throw new IOException("shard folder " + folder + " holds " + uri + " twice");
                RgbImage image = ShardRows.image(g);
                if (image.height() != input.height() || image.width() != input.width()) {
                    throw new IOException("shard folder " + folder + " stores " + uri + " at " + image.height() + "x" + image.width()
                            + "; the model takes " + input.height() + "x" + input.width());
                }
                return new PartitionExtractor.Decoded(uri, image, null);
            }

            @Override
            public void close() {
                if (reader == null) return;
                try {
                    reader.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
