package org.reidspark.report;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's report: {@code report/index.html} with its charts ({@code figures/*.png}) and copies of the shown images
 * ({@code images/*.png}) beside it, linked by relative paths, so it opens from disk or from an S3 static site with no
 * server and no script. Made from the artifacts of a training run or an evaluation alone ({@link RunArtifacts}, read
 * through {@link Storage}: local or {@code s3a://}), by the common sections {@link #COMMON} and the method's own.
 *
 * <p>The train, train-local and evaluate jobs write it into their run directory before publishing it, so it arrives
 * with the run; {@code submit/reid report} (re)makes it for any published run ({@link #publish}).
 */
public final class RunReport {
    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);
    /** The report's folder inside a run or evaluation. */
    public static final String FOLDER = "report";
    public static final String INDEX = "index.html";

    /** What was written. */
    public record Result(Path index, List<String> sections, int figures, int images, int unreadableImages) {
    }

    private RunReport() {
    }

    /**
     * The sections every run gets: metrics and provenance, learning curves, CMC, rank lists ({@code perGroup} queries
     * each for the best, median and worst), mAP per camera pair.
     */
    public static List<ReportSection> common(int perGroup) {
        return List.of(new SummarySection(), new CurvesSection(), new CmcSection(), new RankListSection(perGroup),
                new CameraPairSection());
    }

    /** The common sections with the default of three queries per group. */
    public static final List<ReportSection> COMMON = common(3);

    /**
     * Writes the report of the run or evaluation in {@code dir} into {@code out} (files are overwritten, nothing is
     * removed): the {@code sections} in order.
     */
    public static Result write(Storage storage, Path dir, Path out, List<ReportSection> sections) throws IOException {
        return write(storage, dir, dir, out, sections);
    }

    /** As {@link #write(Storage, Path, Path, List)} for a run in {@code dir} that will be published as {@code location}. */
    public static Result write(Storage storage, Path dir, Path location, Path out, List<ReportSection> sections)
            throws IOException {
        RunArtifacts run = RunArtifacts.read(storage, dir, location);
        ReportPage page = new ReportPage(run, out);
        List<String> titles = new ArrayList<>();
        StringBuilder nav = new StringBuilder();
        for (ReportSection s : sections) {
            if (!s.id().matches("[a-z0-9-]+")) throw new IllegalArgumentException("section id " + s.id() + ": use a-z, 0-9 and '-'");
            page.append("<section id=\"").append(s.id()).append("\"><h2>").append(Html.escape(s.title())).append("</h2>\n");
            s.render(page);
            page.append("</section>\n");
            titles.add(s.title());
            nav.append("<a href=\"#").append(s.id()).append("\">").append(Html.escape(s.title())).append("</a>");
        }
        String title = run.name() + ": " + run.method() + " on " + run.dataset() + (run.isEvaluation() ? " (evaluation)" : "");
        String html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + Html.escape(title) + "</title>\n<style>\n" + CSS + "</style>\n</head>\n<body>\n"
                + "<header><h1>" + Html.escape(title) + "</h1><nav>" + nav + "</nav></header>\n<main>\n" + page.body()
                + "</main>\n<footer>reid-spark report, made " + Instant.now() + " from " + Html.escape(location.toString())
                + "</footer>\n</body>\n</html>\n";
        page.write(INDEX, html.getBytes(StandardCharsets.UTF_8));
        Path index = new Path(out, INDEX);
        LOG.info("report: {} ({} sections, {} charts, {} images{})", index, titles.size(), page.figures(), page.images(),
                page.unreadableImages() > 0 ? ", " + page.unreadableImages() + " unreadable" : "");
        return new Result(index, titles, page.figures(), page.images(), page.unreadableImages());
    }

    /**
     * Makes the report of a published run or evaluation {@code dir} into {@code dir/report}: written under a hidden
     * temporary name first, then put in place of any earlier report, so a reader sees the old report or the new one.
     */
    public static Result publish(Storage storage, Path dir, List<ReportSection> sections) throws IOException {
        Path work = new Path(dir, "._incomplete-" + FOLDER);
        Path target = new Path(dir, FOLDER);
        FileSystem fs = storage.fs(dir);
        if (fs.exists(work)) fs.delete(work, true);
        Result r;
        try {
            r = write(storage, dir, work, sections);
        } catch (IOException | RuntimeException e) {
            fs.delete(work, true);
            throw e;
        }
        if (fs.exists(target)) fs.delete(target, true);
        if (!fs.rename(work, target)) throw new IOException("could not move the report " + work + " to " + target);
        return new Result(new Path(target, INDEX), r.sections(), r.figures(), r.images(), r.unreadableImages());
    }

    static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0; color: #222; background: #fafafa; }
            header { background: #1f3b57; color: #fff; padding: 14px 24px; position: sticky; top: 0; z-index: 1; }
            header h1 { margin: 0 0 6px 0; font-size: 20px; font-weight: 600; }
            nav a { color: #cfe3f7; margin-right: 16px; text-decoration: none; font-size: 14px; }
            main { padding: 8px 24px 24px 24px; max-width: 1400px; }
            section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px 18px 14px 18px; margin: 16px 0; }
            h2 { font-size: 18px; border-bottom: 1px solid #eee; padding-bottom: 6px; }
            h3 { font-size: 15px; margin: 18px 0 6px 0; }
            table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
            th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
            thead th { background: #f0f4f8; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            td.up { color: #1a7f37; } td.down { color: #b42318; } td.empty { color: #aaa; }
            dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 14px; }
            dl.provenance dt { font-weight: 600; color: #555; } dl.provenance dd { margin: 0; word-break: break-all; }
            details pre { background: #f6f8fa; padding: 10px; font-size: 12px; max-height: 400px; overflow: auto; }
            .note { color: #8a6d3b; background: #fcf8e3; padding: 6px 10px; border-radius: 4px; font-size: 14px; }
            .grid { display: flex; flex-wrap: wrap; gap: 12px; }
            figure { margin: 6px 0; }
            figcaption { font-size: 12px; color: #555; max-width: 620px; }
            .ranklist { display: flex; gap: 6px; align-items: flex-start; margin: 6px 0 10px 0; overflow-x: auto; }
            .ranklist figure.item { margin: 0; text-align: center; width: 76px; flex: none; }
            .ranklist figure.item img, .ranklist .missing { height: 128px; width: 64px; object-fit: contain; border: 4px solid #999; display: block; margin: 0 auto; background: #eee; }
            .ranklist .missing { font-size: 10px; line-height: 128px; color: #777; }
            .ranklist figure.query { margin-right: 14px; }
            .query img, .box.query { border-color: #1f77b4 !important; }
            .match img, .box.match { border-color: #2ca02c !important; }
            .miss img, .box.miss { border-color: #d62728 !important; }
            .junk img, .box.junk { border-color: #9e9e9e !important; }
            .ranklist figcaption { font-size: 10px; line-height: 1.3; }
            .legend { font-size: 13px; color: #444; }
            .box { display: inline-block; width: 12px; height: 12px; border: 3px solid; vertical-align: middle; margin: 0 2px 0 10px; }
            footer { color: #888; font-size: 12px; padding: 10px 24px 30px 24px; }
            """;
}
