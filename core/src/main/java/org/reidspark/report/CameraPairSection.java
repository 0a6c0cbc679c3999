package org.reidspark.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The mAP of each pair of cameras ({@code camera-pairs.json}: the queries of one camera against the gallery images of
 * another) as a heat map and a table; empty cells have no valid query (under the standard protocol: same-camera pairs).
 */
public final class CameraPairSection implements ReportSection {
    @Override
    public String id() {
        return "camera-pairs";
    }

    @Override
    public String title() {
        return "mAP per camera pair";
    }

    /** White (0) to dark blue (1), matplotlib's "Blues" in five steps, interpolated. */
    static final class BluePaintScale implements PaintScale {
        private static final Color[] STOPS = {new Color(0xf7fbff), new Color(0xc6dbef), new Color(0x6baed6),
                new Color(0x2171b5), new Color(0x08306b)};

        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double v) {
            double x = Math.max(0, Math.min(1, v)) * (STOPS.length - 1);
            int i = Math.min(STOPS.length - 2, (int) x);
            double t = x - i;
            Color a = STOPS[i];
            Color b = STOPS[i + 1];
            return new Color((int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                    (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                    (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
        }
    }

    @Override
    public void render(ReportPage page) throws IOException {
        Optional<JsonNode> pairs = page.run().cameraPairs();
        if (pairs.isEmpty()) {
            page.note("This run has no camera-pairs.json (made before the report existed): no per-camera-pair mAP.");
            return;
        }
        JsonNode p = pairs.get();
        List<Integer> qc = ints(p.path("queryCameras"));
        List<Integer> gc = ints(p.path("galleryCameras"));
        JsonNode map = p.path("mAP");
        List<double[]> cells = new ArrayList<>();
        for (int i = 0; i < qc.size(); i++) {
            for (int j = 0; j < gc.size(); j++) {
                JsonNode v = map.path(i).path(j);
                if (v.isNumber()) cells.add(new double[] {j, i, v.asDouble()});
            }
        }
        double[][] xyz = new double[3][cells.size()];
        for (int c = 0; c < cells.size(); c++) for (int k = 0; k < 3; k++) xyz[k][c] = cells.get(c)[k];
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("mAP", xyz);
        SymbolAxis x = new SymbolAxis("gallery camera", gc.stream().map(c -> "cam " + c).toArray(String[]::new));
        SymbolAxis y = new SymbolAxis("query camera", qc.stream().map(c -> "cam " + c).toArray(String[]::new));
        y.setInverted(true);  // the first query camera on top, as in the table below
        XYBlockRenderer renderer = new XYBlockRenderer();
        BluePaintScale scale = new BluePaintScale();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart("mAP per camera pair", plot);
        chart.removeLegend();
        Charts.style(chart);
        plot.setBackgroundPaint(new Color(0xeeeeee));
        // after the theme, which would repaint the annotations
        for (double[] c : cells) {
            XYTextAnnotation a = new XYTextAnnotation(String.format(Locale.ROOT, "%.2f", c[2]), c[0], c[1]);
            a.setFont(new Font("SansSerif", Font.PLAIN, 11));
            a.setPaint(c[2] > 0.55 ? Color.WHITE : Color.BLACK);
            plot.addAnnotation(a);
        }

        NumberAxis legendAxis = new NumberAxis("mAP");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        legend.setStripWidth(12);
        chart.addSubtitle(legend);
        int side = 90 + 48 * Math.max(qc.size(), gc.size());
        page.figure("camera-pairs", chart, Math.min(700, side + 80), Math.min(620, side), "mAP of each query camera"
                + " (rows) against the gallery images of each camera (columns); grey cells have no valid query");

        page.append("<table class=\"pairs\"><thead><tr><th>query \\ gallery</th>");
        for (int c : gc) page.append("<th>cam ").append(c).append("</th>");
        page.append("</tr></thead><tbody>\n");
        for (int i = 0; i < qc.size(); i++) {
            page.append("<tr><th>cam ").append(qc.get(i)).append("</th>");
            for (int j = 0; j < gc.size(); j++) {
                JsonNode v = map.path(i).path(j);
                int n = p.path("validQueries").path(i).path(j).asInt();
                page.append(v.isNumber() ? "<td class=\"num\" title=\"" + n + " valid queries\">" + Html.metric(v.asDouble()) + "</td>"
                        : "<td class=\"num empty\">–</td>");
            }
            page.append("</tr>\n");
        }
        page.append("</tbody></table>\n");
    }

    private static List<Integer> ints(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : a) out.add(v.asInt());
        return out;
    }
}
