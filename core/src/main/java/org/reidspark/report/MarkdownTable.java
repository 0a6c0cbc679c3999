package org.reidspark.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table of a markdown document ({@code | a | b |} lines under a {@code |---|} separator), found by the heading it
 * follows and its first header cell: the docs' recorded figures, read back to draw them.
 *
 * @param source where it was found, for error messages
 * @param header the header cells
 * @param rows   the body rows' cells (trimmed; emphasis kept)
 */
public record MarkdownTable(String source, List<String> header, List<List<String>> rows) {
    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d[\\d,]*(?:\\.\\d+)?");

    /**
     * The first table after the first heading line ({@code #...}) containing {@code heading} whose first header cell
     * is {@code firstHeader}; fails naming both when there is none.
     */
    public static MarkdownTable find(String markdown, String source, String heading, String firstHeader) {
        String[] lines = markdown.split("\n", -1);
        int i = 0;
        while (i < lines.length && !(lines[i].startsWith("#") && lines[i].contains(heading))) i++;
        for (; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("|") && lines[i + 1].startsWith("|---")) {
                List<String> header = cells(lines[i]);
                if (!header.get(0).equals(firstHeader)) continue;
                List<List<String>> rows = new ArrayList<>();
                for (int j = i + 2; j < lines.length && lines[j].startsWith("|"); j++) rows.add(cells(lines[j]));
                return new MarkdownTable(source + ", table \"" + String.join(" | ", header) + "\"", header, rows);
            }
        }
        throw new IllegalArgumentException(source + " has no table starting with \"| " + firstHeader + " |\" after a"
                + " heading containing \"" + heading + "\"");
    }

    private static List<String> cells(String line) {
        String t = line.trim();
        if (t.startsWith("|")) t = t.substring(1);
        if (t.endsWith("|")) t = t.substring(0, t.length() - 1);
        return Arrays.stream(t.split("\\|", -1)).map(String::trim).toList();
    }

    /** The index of the header cell {@code name}. */
    public int column(String name) {
        int c = header.indexOf(name);
        if (c < 0) throw new IllegalArgumentException(source + " has no column \"" + name + "\"");
        return c;
    }

    /** The row whose first cell is {@code name}. */
    public List<String> row(String name) {
        return rows.stream().filter(r -> r.get(0).equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(source + " has no row \"" + name + "\""));
    }

    /** The numbers in {@code cell}, in order ({@code **} emphasis and thousands separators ignored). */
    public static double[] numbers(String cell) {
        Matcher m = NUMBER.matcher(cell.replace("**", ""));
        List<Double> out = new ArrayList<>();
        while (m.find()) out.add(Double.parseDouble(m.group().replace(",", "")));
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The first number in {@code cell}; fails naming the cell when there is none. */
    public double number(List<String> row, int column) {
        double[] n = numbers(row.get(column));
        if (n.length == 0) throw new IllegalArgumentException(source + ": no number in \"" + row.get(column) + "\"");
        return n[0];
    }

    /** The number just before {@code unit} in {@code cell} (e.g. the img/s of "0.52 s, 61 img/s, 0.8 GB"). */
    public double numberBefore(List<String> row, int column, String unit) {
        Matcher m = Pattern.compile("([-+]?\\d[\\d,]*(?:\\.\\d+)?)\\s*" + Pattern.quote(unit)).matcher(row.get(column).replace("**", ""));
        if (!m.find()) throw new IllegalArgumentException(source + ": no number before \"" + unit + "\" in \"" + row.get(column) + "\"");
        return Double.parseDouble(m.group(1).replace(",", ""));
    }
}
