package org.reidspark.jobs;

import org.reidspark.report.DocFigures;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code figures}: draws the figures of {@code docs/results.md} and {@code docs/performance.md} from the tables recorded
 * there into {@code docs/figures/} ({@link DocFigures}); run it after a table changes. No Spark is started.
 */
public final class FiguresJob implements Job {
    @Override
    public String name() {
        return "figures";
    }

    @Override
    public String summary() {
        return "draw the docs' figures (docs/figures/*.png) from the tables in docs/results.md and docs/performance.md";
    }

    @Override
    public List<JobOption> options() {
        return List.of(JobOption.plain("--docs", "DIR", "the docs folder (default docs, from the repository's root)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Path docs = Path.of(ctx.args().plain("--docs").orElse("docs"));
        for (Path p : DocFigures.write(docs)) ctx.out().println("figures: wrote " + p);
        return 0;
    }
}
