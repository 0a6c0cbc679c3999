package org.reidspark.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The figures of {@code docs/results.md} and {@code docs/performance.md}, drawn from the tables recorded there (so
 * they follow the tables when a measurement is redone): {@code submit/reid figures} writes them into
 * {@code docs/figures/}. Each figure names the table it is drawn from; a table that moved or changed shape fails
 * naming it.
 */
public final class DocFigures {
    /** The folder inside docs/ the figures go to. */
    public static final String FOLDER = "figures";
    static final int WIDTH = 640;
    static final int HEIGHT = 360;
    static final int SCALE = 2;

    /** One figure: its file name in docs/figures, the document and the table it is drawn from. */
    public record Figure(String file, String doc, String table) {
    }

    private DocFigures() {
    }

    /** The figures {@link #write} makes, in order. */
    public static final List<Figure> FIGURES = List.of(
            new Figure("results-learning-curve.png", "results.md", "BoT on the synthetic benchmark: epoch | Rank-1 | mAP | mINP"),
            new Figure("results-ablation.png", "results.md", "Measured: the default split, 3 seeds: variant | removes | Rank-1 | mAP | mINP"),
            new Figure("performance-targets.png", "performance.md", "Against the issue's targets: PyTorch | target | measured here"),
            new Figure("performance-session3.png", "performance.md", "Where it stands (session 3): case | start | end"),
            new Figure("performance-scaling.png", "performance.md", "Parameter averaging: scaling, Results: configuration | img/s | compute s | averaging s"));

    /** Draws every figure from the tables in {@code docs} into {@code docs/figures}; returns the files written. */
    public static List<Path> write(Path docs) throws IOException {
        String results = Files.readString(docs.resolve("results.md"));
        String performance = Files.readString(docs.resolve("performance.md"));
        Path out = docs.resolve(FOLDER);
        Files.createDirectories(out);
        List<JFreeChart> charts = List.of(learningCurve(results), ablation(results), targets(performance),
                session3(performance), scaling(performance));
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < charts.size(); i++) {
            Path file = out.resolve(FIGURES.get(i).file());
            Files.write(file, Charts.png(charts.get(i), WIDTH, HEIGHT, SCALE));
            written.add(file);
        }
        return written;
    }

    /** Rank-1, mAP and mINP of the default run at each evaluation, with the baseline's mAP. */
    static JFreeChart learningCurve(String md) {
        MarkdownTable t = MarkdownTable.find(md, "results.md", "BoT on the synthetic benchmark", "epoch");
        XYSeries rank1 = new XYSeries("Rank-1");
        XYSeries map = new XYSeries("mAP");
        XYSeries minp = new XYSeries("mINP");
        Double baseline = null;
        for (List<String> r : t.rows()) {
            if (r.get(0).startsWith("colour-histogram baseline")) {
                if (baseline == null) baseline = t.number(r, t.column("mAP")); // the first: the train job's own
                continue;
            }
            double epoch = t.number(r, 0);
            rank1.add(epoch, t.number(r, t.column("Rank-1")));
            map.add(epoch, t.number(r, t.column("mAP")));
            minp.add(epoch, t.number(r, t.column("mINP")));
        }
        JFreeChart chart = Charts.lines("BoT, submit/reid train (conf/local.conf): evaluations", "epoch", "metric",
                List.of(rank1, map, minp));
        if (baseline != null) marker(chart.getXYPlot(), baseline, "colour-histogram baseline mAP " + baseline);
        return chart;
    }

    /** The ablation's means with their standard deviations over seeds, and the baseline. */
    static JFreeChart ablation(String md) {
        MarkdownTable t = MarkdownTable.find(md, "results.md", "Measured: the default split", "variant");
        DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
        for (List<String> r : t.rows()) {
            String name = r.get(0).startsWith("colour-histogram") ? "colour-histogram baseline" : r.get(0).replace("-", " ");
            for (String metric : List.of("Rank-1", "mAP", "mINP")) {
                double[] v = MarkdownTable.numbers(r.get(t.column(metric)));
                data.add(v[0], v.length > 1 ? v[1] : 0, metric, name);
            }
        }
        CategoryPlot plot = new CategoryPlot(data, new org.jfree.chart.axis.CategoryAxis("variant"), new NumberAxis("metric"),
                new StatisticalBarRenderer());
        JFreeChart chart = new JFreeChart("BoT ablation, 3 seeds (mean ± standard deviation)", plot);
        Charts.style(chart);
        StatisticalBarRenderer r = (StatisticalBarRenderer) plot.getRenderer();
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        r.setShadowVisible(false);
        r.setErrorIndicatorPaint(Color.DARK_GRAY);
        r.setItemMargin(0.05);
        for (int i = 0; i < 3; i++) r.setSeriesPaint(i, Charts.colour(i));
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1);
        plot.getDomainAxis().setMaximumCategoryLabelLines(3);
        return chart;
    }

    /** Images per second of the three cases: PyTorch on the machine, the target, measured here. */
    static JFreeChart targets(String md) {
        MarkdownTable t = MarkdownTable.find(md, "performance.md", "Against the issue's targets", "");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<String> r : t.rows()) {
            data.addValue(t.numberBefore(r, 1, "img/s"), "PyTorch, issue's AVX-512 machine", r.get(0));
            data.addValue(t.numberBefore(r, 2, "img/s"), "target", r.get(0));
            data.addValue(t.numberBefore(r, 3, "img/s"), "measured here (AVX2)", r.get(0));
        }
        return Charts.bars("Speed against the references", "", "images per second", data, false);
    }

    /** Images per second at the start and the end of session 3. */
    static JFreeChart session3(String md) {
        MarkdownTable t = MarkdownTable.find(md, "performance.md", "Where it stands (session 3)", "case");
        int c = t.column("img/s start -> end");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<String> r : t.rows()) {
            double[] v = MarkdownTable.numbers(r.get(c));
            String name = r.get(0).replace(" training, b32 (round ", " training, round ").replace(")", "");
            data.addValue(v[0], "start of session 3", name);
            data.addValue(v[1], "end of session 3", name);
        }
        return Charts.bars("Network speed on this CPU, session 3", "", "images per second", data, false);
    }

    /** Images per second and where the time of the rounds went, for 1 and 2 workers at K = 1, 5, 20. */
    static JFreeChart scaling(String md) {
        MarkdownTable t = MarkdownTable.find(md, "performance.md", "Parameter averaging: scaling", "configuration");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<String> r : t.rows()) {
            String[] parts = r.get(0).split(", ");
            data.addValue(t.number(r, t.column("img/s")), parts[0], parts[1]);
        }
        return Charts.bars("Parameter averaging on 2 cores: images per second", "local steps per round", "images per second",
                data, false);
    }

    private static void marker(XYPlot plot, double value, String label) {
        ValueMarker m = new ValueMarker(value, Color.GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                1f, new float[] {6f, 4f}, 0f));
        m.setLabel(label);
        m.setLabelFont(new java.awt.Font("SansSerif", java.awt.Font.PLAIN, 11));
        m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.BOTTOM_RIGHT);
        m.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.TOP_RIGHT);
        plot.addRangeMarker(m);
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        r.setDefaultShapesVisible(true);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        double lo = Math.min(value, plot.getDataRange(plot.getRangeAxis()).getLowerBound());
        ((NumberAxis) plot.getRangeAxis()).setRange(Math.max(0, lo - 0.05), 1);
    }
}
