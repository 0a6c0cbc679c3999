package org.reidspark.report;

import org.apache.hadoop.fs.Path;
import org.jfree.chart.JFreeChart;
import org.reidspark.artifact.Storage;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The page a {@link ReportSection} writes into: the run's artifacts, the HTML body, and the files beside the page
 * (charts in {@code figures/}, copies of the dataset's images in {@code images/}), referenced by relative paths so the
 * report opens from disk or from an S3 static site without a server.
 */
public final class ReportPage {
    /** Chart pixels per point: sharp on high-density screens. */
    static final int SCALE = 2;
    /** Images taller than this are scaled down (keeping their aspect) when copied beside the report. */
    static final int MAX_IMAGE_HEIGHT = 256;

    private final RunArtifacts run;
    private final Storage storage;
    private final Path out;
    private final StringBuilder html = new StringBuilder();
    private final Map<String, Optional<String>> images = new HashMap<>();
    private final ImageDecoder decoder = new ImageDecoder(Alpha.DROP);
    private int figures;
    private int unreadable;

    ReportPage(RunArtifacts run, Path out) {
        this.run = run;
        this.storage = run.storage();
        this.out = out;
    }

    /** The artifacts the report is made of. */
    public RunArtifacts run() {
        return run;
    }

    /** Appends raw HTML to the body. */
    public ReportPage append(Object rawHtml) {
        html.append(rawHtml);
        return this;
    }

    /** Appends a paragraph of plain text (escaped). */
    public ReportPage paragraph(String text) {
        html.append("<p>").append(Html.escape(text)).append("</p>\n");
        return this;
    }

    /** A note that something is not shown, and why (plain text). */
    public ReportPage note(String text) {
        html.append("<p class=\"note\">").append(Html.escape(text)).append("</p>\n");
        return this;
    }

    /**
     * Writes {@code chart} as {@code figures/<name>.png} ({@code width x height} points) and appends it as a figure
     * with {@code caption} (plain text).
     */
    public ReportPage figure(String name, JFreeChart chart, int width, int height, String caption) throws IOException {
        String file = "figures/" + name + ".png";
        write(file, Charts.png(chart, width, height, SCALE));
        figures++;
        html.append("<figure><img src=\"").append(file).append("\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" alt=\"").append(Html.escape(caption)).append("\">");
        html.append("<figcaption>").append(Html.escape(caption)).append("</figcaption></figure>\n");
        return this;
    }

    /**
     * A copy of the image at {@code uri} (read through the run's storage, decoded, scaled to at most
     * {@value #MAX_IMAGE_HEIGHT} pixels high, written as PNG into {@code images/}), as its path relative to the page;
     * empty when it cannot be read or decoded (the dataset moved, say), which the page counts.
     */
    public Optional<String> image(String uri) throws IOException {
        Optional<String> known = images.get(uri);
        if (known != null) return known;
        Optional<String> path;
        try {
            RgbImage img = decoder.read(storage, uri);
            if (img.height() > MAX_IMAGE_HEIGHT) {
                int w = Math.max(1, (int) Math.round((double) img.width() * MAX_IMAGE_HEIGHT / img.height()));
                img = Resize.bilinear(img, MAX_IMAGE_HEIGHT, w);
            }
            String file = "images/" + images.size() + ".png";
            write(file, Charts.png(img.toBufferedImage()));
            path = Optional.of(file);
        } catch (ImageDecodeException e) {
            unreadable++;
            path = Optional.empty();
        }
        images.put(uri, path);
        return path;
    }

    /** Charts written so far. */
    public int figures() {
        return figures;
    }

    /** Distinct images copied so far. */
    public int images() {
        return (int) images.values().stream().filter(Optional::isPresent).count();
    }

    /** Images that could not be read. */
    public int unreadableImages() {
        return unreadable;
    }

    String body() {
        return html.toString();
    }

    /** Writes {@code bytes} to {@code relative} under the report's folder. */
    void write(String relative, byte[] bytes) throws IOException {
        Path p = new Path(out, relative);
        try (OutputStream o = storage.fs(p).create(p, true)) {
            o.write(bytes);
        }
    }
}
