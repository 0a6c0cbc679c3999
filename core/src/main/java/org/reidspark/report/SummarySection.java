package org.reidspark.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The metrics (Rank-1, 5, 10, mAP, mINP, valid queries, gallery) under the run's protocol and each further protocol
 * of the same evaluation ({@code reid.eval.also-protocols}), each beside the colour-histogram baseline when the run
 * measured it; then where the run came from: method, the config's main settings, the data and
 * its version, the code's revision, the hardware, the wall time; the whole resolved config folded away.
 */
public final class SummarySection implements ReportSection {
    @Override
    public String id() {
        return "summary";
    }

    @Override
    public String title() {
        return "Metrics and provenance";
    }

    @Override
    public void render(ReportPage page) {
        RunArtifacts run = page.run();
        JsonNode m = run.metrics();
        String protocol = m.path("protocol").asText("standard");
        JsonNode evaluation = m.path("evaluation");
        boolean rerank = evaluation.path("rerank").asBoolean(false);
        page.append("<table class=\"metrics\"><thead><tr><th></th><th>Rank-1</th><th>Rank-5</th><th>Rank-10</th>"
                + "<th>mAP</th><th>mINP</th><th>valid queries</th><th>gallery</th></tr></thead><tbody>\n");
        JsonNode baseline = m.path("colourHistogramBaseline");
        protocolRows(page, protocol + " protocol" + (rerank ? ", re-ranked" : ""), "", m, baseline);
        // further protocols from the same distances (reid.eval.also-protocols; CAL: same-clothes beside clothes-changing)
        for (var it = m.path("otherProtocols").fields(); it.hasNext(); ) {
            var other = it.next();
            protocolRows(page, other.getKey() + " protocol", other.getKey() + ".", other.getValue(),
                    baseline.path("otherProtocols").path(other.getKey()));
        }
        page.append("</tbody></table>\n");
        if (!baseline.isObject()) {
            page.note(run.isEvaluation() ? "The evaluate job does not measure the colour-histogram baseline; the train job does."
                    : "This run did not measure the colour-histogram baseline (the train job does; train-local does not).");
        }

        page.append("<dl class=\"provenance\">\n");
        for (String[] fact : provenance(run)) {
            page.append("<dt>").append(Html.escape(fact[0])).append("</dt><dd>").append(Html.escape(fact[1])).append("</dd>\n");
        }
        page.append("</dl>\n");
        run.configText().ifPresent(text -> page.append("<details><summary>The resolved config (config.conf)</summary><pre>")
                .append(Html.escape(text)).append("</pre></details>\n"));
    }

    /** The model's row under one protocol, and the baseline's with the difference where it was measured. */
    private static void protocolRows(ReportPage page, String protocol, String prefix, JsonNode m, JsonNode baseline) {
        row(page, "this model, " + protocol, prefix, m);
        if (baseline.isObject()) {
            row(page, "colour-histogram baseline, same split", "baseline." + prefix, baseline);
            page.append("<tr class=\"difference\"><th>difference</th>");
            for (int k : new int[] {1, 5, 10}) page.append(diff(cmc(m, k), cmc(baseline, k)));
            page.append(diff(m.path("mAP").asDouble(Double.NaN), baseline.path("mAP").asDouble(Double.NaN)));
            page.append(diff(m.path("mINP").asDouble(Double.NaN), baseline.path("mINP").asDouble(Double.NaN)));
            page.append("<td></td><td></td></tr>\n");
        }
    }

    private static void row(ReportPage page, String label, String prefix, JsonNode m) {
        page.append("<tr><th>").append(Html.escape(label)).append("</th>");
        for (int k : new int[] {1, 5, 10}) page.append(Html.metricCell(prefix + "rank" + k, cmc(m, k)));
        page.append(Html.metricCell(prefix + "mAP", m.path("mAP").asDouble(Double.NaN)));
        page.append(Html.metricCell(prefix + "mINP", m.path("mINP").asDouble(Double.NaN)));
        page.append("<td class=\"num\" data-metric=\"").append(prefix).append("validQueries\">")
                .append(m.path("validQueries").asInt()).append(m.has("queries") ? " of " + m.path("queries").asInt() : "")
                .append("</td><td class=\"num\">").append(m.path("gallery").asText("")).append("</td></tr>\n");
    }

    /** CMC at rank k from a metrics node; NaN when the curve is shorter (a gallery of fewer than k images). */
    static double cmc(JsonNode m, int k) {
        JsonNode c = m.path("cmc");
        return c.size() >= k ? c.get(k - 1).asDouble() : Double.NaN;
    }

    private static String diff(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) return "<td></td>";
        double d = a - b;
        return "<td class=\"num " + (d >= 0 ? "up" : "down") + "\">" + String.format(Locale.ROOT, "%+.4f", d) + "</td>";
    }

    private static List<String[]> provenance(RunArtifacts run) {
        JsonNode info = run.runInfo();
        JsonNode m = run.metrics();
        List<String[]> facts = new ArrayList<>();
        facts.add(fact("run", run.name() + " (job " + run.job() + ", " + run.location() + ")"));
        facts.add(fact("method", run.method()));
        if (run.isEvaluation()) {
            JsonNode model = m.path("model");
            facts.add(fact("model", model.path("runId").asText("?") + " from " + model.path("run").asText("?")));
            JsonNode e = m.path("evaluation");
            facts.add(fact("evaluation", e.path("protocol").asText("?") + " protocol, " + e.path("metric").asText("?")
                    + " distance" + (e.path("rerank").asBoolean() ? ", k-reciprocal re-ranking" : "")
                    + (e.path("flip").asBoolean() ? ", flipped images averaged" : "") + ", top-" + e.path("topK").asInt()
                    + " rank lists"));
        }
        facts.add(fact("data", data(info.path("data").isObject() ? info.path("data") : m.path("data"))));
        String settings = settings(run.config(), run.method(), run.job());
        if (!settings.isEmpty()) facts.add(fact("settings", settings));
        JsonNode p = info.path("provenance").isObject() ? info.path("provenance") : m.path("provenance");
        if (p.isObject()) {
            facts.add(fact("code", "git " + p.path("gitRevision").asText("unknown") + ", reid-spark "
                    + p.path("projectVersion").asText("?") + ", DL4J " + p.path("dl4jVersion").asText("?") + ", Spark "
                    + p.path("sparkVersion").asText("?")));
            String hw = p.path("availableProcessors").asInt() + " cores, " + p.path("os").asText("?") + ", Java "
                    + p.path("java").asText("?");
            if (info.has("master")) hw += "; Spark master " + info.path("master").asText();
            if (info.has("workers")) hw += ", " + info.path("workers").asInt() + " workers";
            facts.add(fact("hardware", hw));
        }
        if (info.has("parameters")) {
            facts.add(fact("network", String.format(Locale.ROOT, "%,d parameters, %,d steps", info.path("parameters").asLong(),
                    info.path("iterations").asLong())));
        }
        if (info.has("started")) {
            String time = "started " + info.path("started").asText();
            if (info.has("wallSeconds")) time += ", wall time " + Html.duration(info.path("wallSeconds").asDouble());
            facts.add(fact("time", time));
        }
        if (info.has("seed")) facts.add(fact("seed", info.path("seed").asText()));
        return facts;
    }

    private static String data(JsonNode d) {
        if (!d.isObject()) return "unknown";
        StringBuilder sb = new StringBuilder(d.path("dataset").asText("?"));
        if (d.has("root")) sb.append(" at ").append(d.path("root").asText());
        List<String> sizes = new ArrayList<>();
        if (d.has("trainImages")) sizes.add(d.path("trainImages").asInt() + " train images of " + d.path("trainIdentities").asInt() + " identities");
        if (d.has("queryImages")) sizes.add(d.path("queryImages").asInt() + " query");
        if (d.has("galleryImages")) sizes.add(d.path("galleryImages").asInt() + " gallery");
        if (!sizes.isEmpty()) sb.append("; ").append(String.join(", ", sizes));
        if (d.has("manifestSha256")) sb.append("; manifest sha256 ").append(d.path("manifestSha256").asText(), 0,
                Math.min(12, d.path("manifestSha256").asText().length()));
        return sb.toString();
    }

    /** The settings a reader asks for first, from the saved config: network, input, schedule, batch, workers. */
    static String settings(Config c, String method, String job) {
        List<String> parts = new ArrayList<>();
        if (c.hasPath("reid.model.backbone")) {
            String net = c.getString("reid.model.backbone");
            if (c.hasPath("reid.model.width")) net += " at width " + c.getValue("reid.model.width").unwrapped();
            if (c.hasPath("reid.model.last-stride")) net += ", last stride " + c.getInt("reid.model.last-stride");
            parts.add(net);
        }
        if (c.hasPath("reid.input.height") && c.hasPath("reid.input.width")) {
            parts.add("input " + c.getInt("reid.input.height") + "x" + c.getInt("reid.input.width"));
        }
        String lr = "reid." + method + ".lr";
        if (c.hasPath(lr)) parts.add("lr " + c.getValue(lr).unwrapped());
        if (c.hasPath("reid.train.epochs")) parts.add(c.getInt("reid.train.epochs") + " epochs");
        if (c.hasPath("reid.sampler.p") && c.hasPath("reid.sampler.k")) {
            parts.add("batches P" + c.getInt("reid.sampler.p") + " x K" + c.getInt("reid.sampler.k"));
        }
        if (job.equals("train") && c.hasPath("reid.distributed.workers") && c.hasPath("reid.distributed.averaging-steps")) {
            parts.add(c.getInt("reid.distributed.workers") + " workers averaging every "
                    + c.getInt("reid.distributed.averaging-steps") + " steps");
        }
        return String.join(", ", parts);
    }

    private static String[] fact(String k, String v) {
        return new String[] {k, v};
    }
}
