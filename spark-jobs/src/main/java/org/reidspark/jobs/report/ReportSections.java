package org.reidspark.jobs.report;

import org.reidspark.report.ReportSection;
import org.reidspark.report.RunReport;

import org.reidspark.config.Check;
import org.reidspark.method.Methods;

import java.util.List;

/**
 * The one place that maps a method name to the report sections it adds to {@link RunReport#common(int)}: DCR's
 * predicted foreground, stripes and visibility, CAL's second protocol, DG-Net's generation grid, as those methods
 * land (the method contract may take this over). BoT adds none.
 */
public final class ReportSections {
    private ReportSections() {
    }

    /** The sections of method {@code name} beyond the common ones; an unknown name fails listing the known ones. */
    public static List<ReportSection> forMethod(String name) {
        return switch (name) {
            case "bot" -> List.of();
            default -> throw Check.unknownName("method (reid.method)", name, Methods.NAMES);
        };
    }
}
