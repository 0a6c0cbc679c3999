package org.reidspark.data.synth;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * Two images drawn in lockstep: the RGB picture (antialiased) and a label image (no antialiasing) in which
 * every pixel holds the {@link Parts part label} of what was painted last there. Painting a shape with
 * {@link Parts#BACKGROUND} erases labels, which is how occluders and background clutter in front of a person
 * hide parts of the mask.
 */
final class Canvas {
    final int width;
    final int height;
    final BufferedImage rgb;
    final Graphics2D g;
    private final BufferedImage labelImage;
    private final Graphics2D l;
    private final Color[] labelColours = new Color[256];
    private final java.util.Map<Double, BasicStroke> strokes = new java.util.HashMap<>();

    Canvas(int width, int height) {
        this.width = width;
        this.height = height;
        this.rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        this.g = rgb.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_SPEED);
        this.labelImage = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        this.l = labelImage.createGraphics();
        l.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        l.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        for (int i = 0; i < 256; i++) labelColours[i] = new Color(i, 0, 0);
    }

    void setTransform(AffineTransform t) {
        g.setTransform(t);
        l.setTransform(t);
    }

    AffineTransform transform() {
        return g.getTransform();
    }

    void resetTransform() {
        setTransform(new AffineTransform());
    }

    /** Fills {@code s} with {@code paint} in the picture and with {@code label} in the label image. */
    void fill(Shape s, Paint paint, int label) {
        g.setPaint(paint);
        g.fill(s);
        l.setColor(labelColours[label]);
        l.fill(s);
    }

    /** Strokes {@code s} with a round pen of {@code width} (user units) in both images. */
    void stroke(Shape s, double width, Paint paint, int label) {
        BasicStroke pen = pen(width);
        g.setStroke(pen);
        g.setPaint(paint);
        g.draw(s);
        l.setStroke(pen);
        l.setColor(labelColours[label]);
        l.draw(s);
    }

    /** Fills in the picture only (texture, shading: inside a shape that already carries its label). */
    void paintOnly(Shape s, Paint paint) {
        g.setPaint(paint);
        g.fill(s);
    }

    /** Strokes in the picture only. */
    void strokeOnly(Shape s, double width, Paint paint) {
        g.setStroke(pen(width));
        g.setPaint(paint);
        g.draw(s);
    }

    void clip(Shape s) {
        g.setClip(s);
    }

    void unclip() {
        g.setClip(null);
    }

    private BasicStroke pen(double width) {
        return strokes.computeIfAbsent(width, w -> new BasicStroke(w.floatValue(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    }

    /** Clears both images: picture to {@code colour}, labels to background. */
    void clear(Color colour) {
        AffineTransform t = transform();
        resetTransform();
        g.setColor(colour);
        g.fillRect(0, 0, width, height);
        l.setColor(labelColours[0]);
        l.fillRect(0, 0, width, height);
        setTransform(t);
    }

    /** Sets every label to background (the picture is kept). */
    void clearLabels() {
        AffineTransform t = l.getTransform();
        l.setTransform(new AffineTransform());
        l.setColor(labelColours[0]);
        l.fillRect(0, 0, width, height);
        l.setTransform(t);
    }

    /** The label of every pixel, row-major. */
    byte[] labels() {
        int[] px = ((DataBufferInt) labelImage.getRaster().getDataBuffer()).getData();
        byte[] out = new byte[px.length];
        for (int i = 0; i < px.length; i++) out[i] = (byte) ((px[i] >> 16) & 0xff);
        return out;
    }

    int[] pixels() {
        return ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
    }

    void dispose() {
        g.dispose();
        l.dispose();
    }
}
