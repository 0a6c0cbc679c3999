package org.reidspark.report;

import java.io.IOException;

/**
 * One section of a run's report: a title in the page's contents and a body drawn from the run's artifacts. The common
 * sections ({@link RunReport#COMMON}) serve every method; a method adds its own (DCR's foreground and stripes, CAL's
 * second protocol, DG-Net's generation grid) as a further list given to {@link RunReport#write}. A section reads only
 * what {@link ReportPage#run()} offers, and says so on the page when the run lacks what it shows.
 */
public interface ReportSection {
    /** The anchor of the section in the page: lower case, digits and '-'. */
    String id();

    /** The heading. */
    String title();

    /** Writes the section's body into {@code page} (the heading is written by the page). */
    void render(ReportPage page) throws IOException;
}
