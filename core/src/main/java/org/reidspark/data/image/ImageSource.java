package org.reidspark.data.image;

import org.reidspark.artifact.Storage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a batch loader gets a sample's image from, by uri: decoding files (through {@link Storage}), or
 * images already decoded and resized (an identity shard held in memory). Implementations are thread-safe.
 */
@FunctionalInterface
public interface ImageSource {
    /** The image at {@code uri}; an unreadable one is an {@link ImageDecodeException}. */
    RgbImage image(String uri);

    /**
     * How many stored copies of the image at {@code uri} this source holds (surrogates made ahead of training by the
     * augment job, {@link #withCopies}); 0 for a source without copies.
     */
    default int copies(String uri) {
        return 0;
    }

    /** Copy {@code c} ({@code 0..copies(uri)-1}) of the image at {@code uri}. */
    default RgbImage copy(String uri, int c) {
        throw new ImageDecodeException(uri, "no stored copies of this image in this source");
    }

    /**
     * {@code source} with stored copies: {@code copies} maps a uri to its copies, in copy order. The images themselves
     * still come from {@code source}.
     */
    static ImageSource withCopies(ImageSource source, Map<String, List<RgbImage>> copies) {
        Map<String, List<RgbImage>> c = Map.copyOf(copies);
        return new ImageSource() {
            @Override
            public RgbImage image(String uri) {
                return source.image(uri);
            }

            @Override
            public int copies(String uri) {
                List<RgbImage> l = c.get(uri);
                return l == null ? 0 : l.size();
            }

            @Override
            public RgbImage copy(String uri, int i) {
                List<RgbImage> l = c.get(uri);
                if (l == null || i < 0 || i >= l.size()) {
                    throw new ImageDecodeException(uri, "no stored copy " + i + " of this image (" + (l == null ? 0 : l.size())
                            + " copies)");
                }
                return l.get(i);
            }
        };
    }

    /** Reads and decodes each image and resizes it to {@code height x width} (bilinear). */
    static ImageSource decoding(Storage storage, ImageDecoder decoder, int height, int width) {
        return decoding(ImageDecoder.fromStorage(storage), decoder, height, width);
    }

    /** Reads each image with {@code reading}, decodes it and resizes it to {@code height x width} (bilinear). */
    static ImageSource decoding(ImageDecoder.Reading reading, ImageDecoder decoder, int height, int width) {
        return uri -> Resize.bilinear(decoder.read(reading, uri), height, width);
    }

    /** Reads and decodes at the input size of {@code input}. */
    static ImageSource decoding(Storage storage, InputConfig input) {
        return decoding(storage, input.decoder(), input.height(), input.width());
    }

    /** Images already in memory, by uri; an unknown uri is an error naming it. */
    static ImageSource of(Map<String, RgbImage> images) {
        Map<String, RgbImage> copy = Map.copyOf(images);
        return uri -> {
            RgbImage img = copy.get(uri);
            if (img == null) throw new ImageDecodeException(uri, "no such image in this shard (" + copy.size() + " images)");
            return img;
        };
    }

    /** {@code source}, each image obtained once and then kept in memory, so later epochs never decode again. */
    static ImageSource cached(ImageSource source) {
        Map<String, RgbImage> cache = new ConcurrentHashMap<>();
        return uri -> {
            RgbImage img = cache.get(uri);
            if (img == null) {
                img = source.image(uri);
                cache.putIfAbsent(uri, img);
            }
            return img;
        };
    }
}
