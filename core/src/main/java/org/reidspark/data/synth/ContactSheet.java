package org.reidspark.data.synth;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A grid for looking at generated data: one identity's images across cameras and outfits, each above its
 * foreground mask and its colour-coded part mask, then a strip of other identities.
 */
public final class ContactSheet {
    /** Part colours: background, head, torso, arms, legs, shoes. */
    static final Color[] PART_COLOURS = {Color.BLACK, new Color(250, 210, 60), new Color(220, 50, 50),
            new Color(60, 190, 80), new Color(60, 110, 230), new Color(220, 60, 220)};

    /** One image with its masks and a caption. */
    public record Tile(BufferedImage image, BufferedImage foreground, BufferedImage parts, String caption) {
    }

    private ContactSheet() {
    }

    /**
     * @param title    headline (lines separated by newlines)
     * @param identity tiles of the identity shown with masks (one column each)
     * @param others   images of other identities (rows of {@code identity.size()} or 8 columns)
     */
    public static BufferedImage build(String title, List<Tile> identity, List<BufferedImage> others) {
        int w = identity.isEmpty() ? others.get(0).getWidth() : identity.get(0).image().getWidth();
        int h = identity.isEmpty() ? others.get(0).getHeight() : identity.get(0).image().getHeight();
        int cols = Math.max(Math.max(1, others.size()), identity.size());
        int gap = 2;
        int captionH = 12;
        String[] titleLines = title.split("\n");
        int titleH = 4 + 12 * titleLines.length;
        int headH = 16;
        int otherRows = (others.size() + cols - 1) / cols;
        int width = cols * (w + gap) + gap;
        int height = titleH + 3 * (h + gap) + captionH + (otherRows > 0 ? headH + otherRows * (h + gap) : 0) + gap;
        BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(245, 245, 245));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i < titleLines.length; i++) g.drawString(titleLines[i], gap, 12 + 12 * i);
        int y = titleH;
        for (int i = 0; i < identity.size(); i++) {
            Tile t = identity.get(i);
            int x = gap + i * (w + gap);
            g.drawImage(t.image(), x, y, null);
            g.drawImage(t.foreground(), x, y + h + gap, null);
            g.drawImage(colourParts(t.parts()), x, y + 2 * (h + gap), null);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
            g.drawString(t.caption(), x, y + 3 * (h + gap) + 9);
        }
        y += 3 * (h + gap) + captionH;
        if (otherRows > 0) {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString("other identities", gap, y + 12);
            y += headH;
            for (int i = 0; i < others.size(); i++) {
                g.drawImage(others.get(i), gap + (i % cols) * (w + gap), y + (i / cols) * (h + gap), null);
            }
        }
        g.dispose();
        return sheet;
    }

    /** A part label image (values 0..5) in colour. */
    public static BufferedImage colourParts(BufferedImage labels) {
        BufferedImage out = new BufferedImage(labels.getWidth(), labels.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < labels.getHeight(); y++) {
            for (int x = 0; x < labels.getWidth(); x++) {
                int v = labels.getRaster().getSample(x, y, 0);
                out.setRGB(x, y, PART_COLOURS[Math.min(v, PART_COLOURS.length - 1)].getRGB());
            }
        }
        return out;
    }
}
