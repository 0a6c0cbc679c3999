package org.reidspark.report;

import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Rank lists as pictures, in the manner of torchreid's {@code visrank}: for the best, the median and the worst valid
 * queries by average precision ({@code queries.csv}), the query and its listed gallery images ({@code rank-list.csv},
 * nearest first) with a green border for a true match, red for a wrong one and grey for junk (the query's own person
 * that the protocol removes), each with its distance. Before them, how the queries' AP is spread.
 */
public final class RankListSection implements ReportSection {
    private final int perGroup;

    /** @param perGroup queries shown for each of best, median and worst */
    public RankListSection(int perGroup) {
        if (perGroup < 1) throw new IllegalArgumentException("queries per group must be >= 1, got " + perGroup);
        this.perGroup = perGroup;
    }

    @Override
    public String id() {
        return "rank-lists";
    }

    @Override
    public String title() {
        return "Rank lists";
    }

    /** One query's outcome (a row of queries.csv). */
    record Query(String key, String uri, String pid, String camid, double ap, int firstMatch) {
    }

    /** One listed gallery item (a row of rank-list.csv). */
    record Item(int position, String rank, String uri, String pid, String camid, double distance, boolean match, boolean junk) {
    }

    @Override
    public void render(ReportPage page) throws IOException {
        Optional<CsvTable> queriesCsv = page.run().queries();
        Optional<CsvTable> listsCsv = page.run().rankLists();
        if (queriesCsv.isEmpty() || listsCsv.isEmpty()) {
            page.note("This run has no " + (queriesCsv.isEmpty() ? "queries.csv" : "rank-list.csv")
                    + " (runs made before the report existed, or an evaluation with reid.evaluate.top-k = 0 or without"
                    + " \"csv\" in reid.evaluate.formats): no rank lists to show.");
            return;
        }
        List<Query> valid = new ArrayList<>();
        for (Map<String, String> r : queriesCsv.get().maps()) {
            if (Boolean.parseBoolean(r.get("valid"))) {
                valid.add(new Query(r.get("query_key"), r.get("query_uri"), r.get("query_pid"), r.get("query_camid"),
                        Double.parseDouble(r.get("ap")), Integer.parseInt(r.get("first_match_rank"))));
            }
        }
        Map<String, List<Item>> lists = new LinkedHashMap<>();
        for (Map<String, String> r : listsCsv.get().maps()) {
            lists.computeIfAbsent(r.get("query_key"), k -> new ArrayList<>()).add(new Item(Integer.parseInt(r.get("position")),
                    r.get("rank"), r.get("gallery_uri"), r.get("gallery_pid"), r.get("gallery_camid"),
                    Double.parseDouble(r.get("distance")), Boolean.parseBoolean(r.get("match")), Boolean.parseBoolean(r.get("junk"))));
        }
        if (valid.isEmpty()) {
            page.note("No query has a true match: no rank lists to show.");
            return;
        }
        histogram(page, valid);
        // best first; equal AP by key, so the choice is the same on every run
        valid.sort(Comparator.comparingDouble(Query::ap).reversed().thenComparing(Query::key));
        int n = valid.size();
        int per = Math.min(perGroup, n);
        int mid = Math.max(0, Math.min(n - per, n / 2 - per / 2));
        LinkedHashSet<Integer> shown = new LinkedHashSet<>();
        group(page, "Best", valid, 0, per, lists, shown);
        group(page, "Median", valid, mid, mid + per, lists, shown);
        group(page, "Worst", valid, n - per, n, lists, shown);
        page.append("<p class=\"legend\"><span class=\"box query\"></span> query <span class=\"box match\"></span> true match"
                + " <span class=\"box miss\"></span> wrong person <span class=\"box junk\"></span> junk (ignored by the metrics:"
                + " the query's own person that the protocol removes, e.g. from the same camera). Under each image: its"
                + " junk-free rank or '-' for junk, its distance to the query, person and camera ids.</p>\n");
        if (page.unreadableImages() > 0) {
            page.note(page.unreadableImages() + " images could not be read from their uris (moved or deleted since the run);"
                    + " they are shown as empty boxes.");
        }
    }

    private void histogram(ReportPage page, List<Query> valid) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        int[] bins = new int[10];
        for (Query q : valid) bins[Math.min(9, (int) (q.ap() * 10))]++;
        for (int b = 0; b < 10; b++) {
            data.addValue(bins[b], "queries", String.format(Locale.ROOT, "%.1f-%.1f", b / 10.0, (b + 1) / 10.0));
        }
        page.append("<div class=\"grid\">");
        page.figure("ap-histogram", Charts.bars("Average precision of the queries", "AP", "valid queries", data, false),
                CurvesSection.WIDTH, CurvesSection.HEIGHT, "How the " + valid.size() + " valid queries' average precision is spread");
        page.append("</div>\n");
    }

    private static void group(ReportPage page, String name, List<Query> sorted, int from, int to, Map<String, List<Item>> lists,
                              LinkedHashSet<Integer> shown) throws IOException {
        page.append("<h3>").append(name).append(" queries by AP</h3>\n");
        int before = shown.size();
        for (int i = from; i < to; i++) {
            if (!shown.add(i)) continue;
            Query q = sorted.get(i);
            page.append("<div class=\"ranklist\" data-query-key=\"").append(Html.escape(q.key())).append("\">");
            page.append(cell(page, q.uri(), "query", "query", String.format(Locale.ROOT, "AP %.3f", q.ap()),
                    "pid " + q.pid() + " cam " + q.camid()));
            for (Item it : lists.getOrDefault(q.key(), List.of())) {
                String kind = it.junk() ? "junk" : it.match() ? "match" : "miss";
                page.append(cell(page, it.uri(), kind, it.junk() ? "-" : "#" + it.rank(),
                        String.format(Locale.ROOT, "%.3f", it.distance()), "pid " + it.pid() + " cam " + it.camid()));
            }
            page.append("</div>\n");
        }
        if (shown.size() == before) page.note("Shown above: there are only " + sorted.size() + " valid queries.");
    }

    private static String cell(ReportPage page, String uri, String kind, String top, String middle, String bottom) throws IOException {
        Optional<String> src = page.image(uri);
        StringBuilder sb = new StringBuilder("<figure class=\"item ").append(kind).append("\" title=\"").append(Html.escape(uri))
                .append("\">");
        if (src.isPresent()) {
            sb.append("<img src=\"").append(src.get()).append("\" alt=\"").append(kind).append("\">");
        } else {
            sb.append("<div class=\"missing\">unreadable</div>");
        }
        sb.append("<figcaption><b>").append(Html.escape(top)).append("</b> ").append(Html.escape(middle)).append("<br>")
                .append(Html.escape(bottom)).append("</figcaption></figure>");
        return sb.toString();
    }
}
