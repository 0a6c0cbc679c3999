package org.reidspark.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The project's charts, drawn with JFreeChart (LGPL 2.1, from Maven Central) into PNG: one look for the run report
 * and the docs' figures (white background, light grid, the same series colours), and PNG rendering at a pixel scale
 * (2 = sharp on high-density screens, shown at half size). Runs headless ({@code java.awt.headless}).
 */
public final class Charts {
    /** Series colours, in order (matplotlib's tab10, so the notebooks' plots look alike). */
    public static final List<Color> PALETTE = List.of(new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf));
    static final Color GRID = new Color(0xdddddd);
    private static final String FONT = "SansSerif";

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** A line chart of {@code series} over x, with markers at each point. */
    public static JFreeChart lines(String title, String xLabel, String yLabel, List<XYSeries> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (XYSeries s : series) data.addSeries(s);
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        style(chart);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, PALETTE.get(i % PALETTE.size()));
            r.setSeriesStroke(i, new BasicStroke(2f));
            r.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        plot.setRenderer(r);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setAutoRangeIncludesZero(false);
        // x is an epoch or a rank: whole numbers, and a visible range around a single point
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (XYSeries s : series) {
            if (s.getItemCount() == 0) continue;
            lo = Math.min(lo, s.getMinX());
            hi = Math.max(hi, s.getMaxX());
        }
        if (lo <= hi) x.setRange(lo == hi ? lo - 1 : lo - 0.02 * (hi - lo), lo == hi ? hi + 1 : hi + 0.02 * (hi - lo));
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    /** A vertical bar chart of {@code data} (series by row, categories by column); stacked when asked. */
    public static JFreeChart bars(String title, String categoryLabel, String valueLabel, CategoryDataset data, boolean stacked) {
        JFreeChart chart = stacked
                ? ChartFactory.createStackedBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL,
                data.getRowCount() > 1, false, false)
                : ChartFactory.createBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL,
                data.getRowCount() > 1, false, false);
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        for (int i = 0; i < data.getRowCount(); i++) r.setSeriesPaint(i, PALETTE.get(i % PALETTE.size()));
        plot.getDomainAxis().setMaximumCategoryLabelLines(3);
        if (data.getColumnCount() > 8) {
            plot.getDomainAxis().setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_45);
        }
        return chart;
    }

    /** Bars stacked per whole-number x (an epoch), one colour per series: for many x values, where category labels crowd. */
    public static JFreeChart stackedBars(String title, String xLabel, String yLabel, List<XYSeries> series) {
        org.jfree.data.xy.DefaultTableXYDataset data = new org.jfree.data.xy.DefaultTableXYDataset();
        for (XYSeries s : series) data.addSeries(s);
        NumberAxis x = new NumberAxis(xLabel);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        org.jfree.chart.renderer.xy.StackedXYBarRenderer r = new org.jfree.chart.renderer.xy.StackedXYBarRenderer(0.15);
        XYPlot plot = new XYPlot(data, x, new NumberAxis(yLabel), r);
        JFreeChart chart = new JFreeChart(title, plot);
        style(chart);
        r.setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        r.setShadowVisible(false);
        for (int i = 0; i < series.size(); i++) r.setSeriesPaint(i, PALETTE.get(i % PALETTE.size()));
        return chart;
    }

    /** The common look: fonts, white plot, light grid lines. */
    public static void style(JFreeChart chart) {
        StandardChartTheme theme = (StandardChartTheme) StandardChartTheme.createJFreeTheme();
        theme.setExtraLargeFont(new Font(FONT, Font.BOLD, 15));
        theme.setLargeFont(new Font(FONT, Font.BOLD, 13));
        theme.setRegularFont(new Font(FONT, Font.PLAIN, 12));
        theme.setSmallFont(new Font(FONT, Font.PLAIN, 10));
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(Color.WHITE);
        theme.setDomainGridlinePaint(GRID);
        theme.setRangeGridlinePaint(GRID);
        theme.setShadowVisible(false);
        theme.apply(chart);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        if (chart.getLegend() != null) chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
    }

    /** The chart as PNG bytes: {@code width x height} points drawn at {@code scale} pixels per point. */
    public static byte[] png(JFreeChart chart, int width, int height, int scale) {
        BufferedImage img = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.scale(scale, scale);
            chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
        } finally {
            g.dispose();
        }
        return png(img);
    }

    /** An image as PNG bytes. */
    public static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) throw new IllegalStateException("no PNG writer in this JVM");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The i-th palette colour. */
    public static Paint colour(int i) {
        return PALETTE.get(i % PALETTE.size());
    }
}
