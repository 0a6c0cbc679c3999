package org.reidspark.report;

import java.util.Locale;

/** HTML text helpers for the report. */
public final class Html {
    private Html() {
    }

    /** {@code text} with &amp;, &lt;, &gt; and quotes escaped, for element text and attribute values. */
    public static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A metric as the jobs print it: 4 decimals. */
    public static String metric(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * A table cell holding a metric: its text is {@link #metric(double)}, and {@code data-metric} and {@code data-value}
     * carry its name and exact value (so a reader or a test can check it against {@code metrics.json}).
     */
    public static String metricCell(String name, double v) {
        return "<td class=\"num\" data-metric=\"" + escape(name) + "\" data-value=\"" + (Double.isNaN(v) ? "" : Double.toString(v))
                + "\">" + metric(v) + "</td>";
    }

    /** Seconds as "2 min 37 s", "1 h 02 min" or "45.2 s". */
    public static String duration(double seconds) {
        if (seconds < 60) return String.format(Locale.ROOT, "%.1f s", seconds);
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
}
