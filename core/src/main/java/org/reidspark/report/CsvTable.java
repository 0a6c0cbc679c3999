package org.reidspark.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CSV file with a header line, as the project writes them ({@code rank-list.csv}, {@code queries.csv}): RFC 4180
 * quoting (a field in double quotes may hold commas, quotes doubled and line breaks), an empty field for a null.
 *
 * @param source  where the text came from, for error messages
 * @param columns the header's column names
 * @param rows    the data rows, each with one value per column
 */
public record CsvTable(String source, List<String> columns, List<List<String>> rows) {

    /** Parses {@code text}; a row with another number of fields than the header fails, naming its line. */
    public static CsvTable parse(String source, String text) throws IOException {
        List<List<String>> records = records(source, text);
        if (records.isEmpty()) throw new IOException(source + " is empty: no header line");
        List<String> header = records.get(0);
        List<List<String>> rows = new ArrayList<>();
        for (int i = 1; i < records.size(); i++) {
            List<String> r = records.get(i);
            if (r.size() == 1 && r.get(0).isEmpty()) continue;
            if (r.size() != header.size()) {
                throw new IOException(source + ", record " + (i + 1) + ": " + r.size() + " fields, the header has "
                        + header.size() + " (" + String.join(",", header) + ")");
            }
            rows.add(r);
        }
        return new CsvTable(source, List.copyOf(header), rows);
    }

    /** The index of {@code column}; fails naming the columns there are. */
    public int column(String column) throws IOException {
        int i = columns.indexOf(column);
        if (i < 0) throw new IOException(source + " has no column " + column + " (its columns: " + String.join(", ", columns) + ")");
        return i;
    }

    /** The rows as maps from column name to value. */
    public List<Map<String, String>> maps() {
        List<Map<String, String>> out = new ArrayList<>(rows.size());
        for (List<String> r : rows) {
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i < columns.size(); i++) m.put(columns.get(i), r.get(i));
            out.add(m);
        }
        return out;
    }

    private static List<List<String>> records(String source, String text) throws IOException {
        List<List<String>> out = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        int line = 1;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') line++;
                    field.append(c);
                }
            } else if (c == '"' && field.length() == 0) {
                quoted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
                record.add(field.toString());
                field.setLength(0);
                out.add(record);
                record = new ArrayList<>();
                line++;
            } else {
                field.append(c);
            }
        }
        if (quoted) throw new IOException(source + ": a quoted field opened before line " + line + " is never closed");
        if (field.length() > 0 || !record.isEmpty()) {
            record.add(field.toString());
            out.add(record);
        }
        return out;
    }
}
