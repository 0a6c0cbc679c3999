package org.reidspark.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;

import java.awt.BasicStroke;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learning curves of {@code curve.json}, per epoch: every loss term, the learning rate (the schedule's factor times
 * the method's base rate when the config names it), images per second, for a Spark run the seconds spent computing
 * and averaging, and the metrics of each evaluation with the final one and the baseline's mAP.
 */
public final class CurvesSection implements ReportSection {
    static final int WIDTH = 460;
    static final int HEIGHT = 300;
    static final int SMALL_WIDTH = 300;
    static final int SMALL_HEIGHT = 220;

    @Override
    public String id() {
        return "curves";
    }

    @Override
    public String title() {
        return "Learning curves";
    }

    @Override
    public void render(ReportPage page) throws IOException {
        RunArtifacts run = page.run();
        if (run.curve().isEmpty() || run.curve().get().isEmpty()) {
            page.note("No curve.json in this run" + (run.isEvaluation() ? " or its model's run" : "") + ": nothing to draw.");
            return;
        }
        JsonNode curve = run.curve().get();
        if (run.isEvaluation()) page.paragraph("The curves of the evaluated model's training run, " + run.curveSource().get() + ".");
        page.append("<div class=\"grid\">\n");

        Map<String, XYSeries> losses = new LinkedHashMap<>();
        XYSeries lr = new XYSeries("learning rate");
        XYSeries speed = new XYSeries("images/s");
        XYSeries computing = new XYSeries("computing", true, false);
        XYSeries averaging = new XYSeries("averaging and broadcast", true, false);
        boolean distributed = false;
        Map<String, XYSeries> metrics = new LinkedHashMap<>();
        for (String key : List.of("mAP", "rank1", "mINP")) metrics.put(key, new XYSeries(key.equals("rank1") ? "Rank-1" : key));
        String lrKey = "reid." + run.method() + ".lr";
        double base = run.config().hasPath(lrKey) ? run.config().getDouble(lrKey) : 1.0;
        int lastEpoch = 0;
        for (JsonNode e : curve) {
            int epoch = e.path("epoch").asInt() + 1;
            lastEpoch = Math.max(lastEpoch, epoch);
            for (Iterator<Map.Entry<String, JsonNode>> it = e.path("meanLosses").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> t = it.next();
                losses.computeIfAbsent(t.getKey(), XYSeries::new).add(epoch, t.getValue().asDouble());
            }
            lr.add(epoch, e.path("lrFactor").asDouble() * base);
            speed.add(epoch, e.path("imagesPerSecond").asDouble());
            if (e.has("computeSeconds")) {
                distributed = true;
                computing.add(epoch, e.path("computeSeconds").asDouble());
                averaging.add(epoch, e.path("averagingSeconds").asDouble());
            }
            for (Map.Entry<String, XYSeries> s : metrics.entrySet()) {
                JsonNode v = e.path("metrics").path(s.getKey());
                if (v.isNumber()) s.getValue().add(epoch, v.asDouble());
            }
        }
        // one small chart per loss term: their scales differ by orders of magnitude (BoT's center loss against its
        // triplet loss)
        List<XYSeries> terms = new ArrayList<>(losses.values());
        terms.sort(java.util.Comparator.comparing((XYSeries t) -> !t.getKey().equals("loss")));
        for (XYSeries term : terms) {
            String key = String.valueOf(term.getKey());
            page.figure("loss-" + key.replaceAll("[^A-Za-z0-9-]", "_"), Charts.lines("Loss: " + key, "epoch", "mean over the epoch",
                    List.of(term)), SMALL_WIDTH, SMALL_HEIGHT, "Mean " + key + " loss per epoch");
        }
        JFreeChart lrChart = Charts.lines("Learning rate", "epoch", base == 1.0 ? "factor of the base rate" : "learning rate", List.of(lr));
        ((org.jfree.chart.axis.NumberAxis) ((XYPlot) lrChart.getPlot()).getRangeAxis())
                .setNumberFormatOverride(new java.text.DecimalFormat("0.0##E0"));
        page.figure("learning-rate", lrChart, WIDTH, HEIGHT, base == 1.0 ? "The schedule's factor of the base learning rates"
                : "Learning rate (" + lrKey + " = " + base + " times the schedule's factor)");
        page.figure("images-per-second", Charts.lines("Training speed", "epoch", "images per second", List.of(speed)),
                WIDTH, HEIGHT, "Images per second" + (distributed ? " across the workers" : ""));
        if (distributed) {
            page.figure("compute-averaging", Charts.stackedBars("Where an epoch's time went", "epoch", "seconds",
                    List.of(computing, averaging)), WIDTH, HEIGHT, "Seconds per epoch computing on the workers and averaging and broadcasting parameters");
        }

        // the final evaluation: the train job makes it after the curve's last epoch
        JsonNode m = run.isEvaluation() ? null : run.metrics();
        XYSeries map = metrics.get("mAP");
        if (m != null && (map.getItemCount() == 0 || map.getX(map.getItemCount() - 1).intValue() != lastEpoch)) {
            map.add(lastEpoch, m.path("mAP").asDouble());
            metrics.get("rank1").add(lastEpoch, SummarySection.cmc(m, 1));
            metrics.get("mINP").add(lastEpoch, m.path("mINP").asDouble());
        }
        List<XYSeries> shown = new ArrayList<>(metrics.values());
        JsonNode baseline = run.metrics().path("colourHistogramBaseline");
        if (baseline.isObject() && metrics.get("mAP").getItemCount() > 0) {
            XYSeries b = new XYSeries("baseline mAP");
            b.add(metrics.get("mAP").getMinX(), baseline.path("mAP").asDouble());
            b.add(lastEpoch, baseline.path("mAP").asDouble());
            shown.add(b);
        }
        if (metrics.get("mAP").getItemCount() > 0) {
            JFreeChart chart = Charts.lines("Evaluations", "epoch", "metric", shown);
            if (shown.size() == 4) {
                XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) ((XYPlot) chart.getPlot()).getRenderer();
                r.setSeriesStroke(3, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
                r.setSeriesShapesVisible(3, false);
            }
            page.figure("evaluations", chart, WIDTH, HEIGHT, "mAP, Rank-1 and mINP at each evaluation"
                    + (baseline.isObject() ? ", and the colour-histogram baseline's mAP" : ""));
        }
        page.append("</div>\n");
    }
}
