package org.reidspark.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.jfree.data.xy.XYSeries;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The CMC curve of {@code metrics.json} (rank 1 to the evaluation's max rank), and the baseline's when measured. */
public final class CmcSection implements ReportSection {
    @Override
    public String id() {
        return "cmc";
    }

    @Override
    public String title() {
        return "CMC curve";
    }

    @Override
    public void render(ReportPage page) throws IOException {
        JsonNode m = page.run().metrics();
        List<XYSeries> series = new ArrayList<>();
        series.add(cmc("this model", m.path("cmc")));
        JsonNode baseline = m.path("colourHistogramBaseline").path("cmc");
        if (baseline.isArray() && baseline.size() > 0) series.add(cmc("colour-histogram baseline", baseline));
        if (series.get(0).getItemCount() == 0) {
            page.note("metrics.json has no CMC curve.");
            return;
        }
        page.figure("cmc", Charts.lines("CMC", "rank", "fraction of valid queries matched", series), 620, 340,
                "Cumulative matching characteristic: the fraction of valid queries with a true match within the first k ranks");
    }

    private static XYSeries cmc(String name, JsonNode values) {
        XYSeries s = new XYSeries(name);
        for (int k = 0; k < values.size(); k++) s.add(k + 1, values.get(k).asDouble());
        return s;
    }
}
