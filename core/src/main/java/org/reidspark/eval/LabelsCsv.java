package org.reidspark.eval;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads {@link Labels} from CSV: a header line naming the columns, then one line per image in matrix order.
 * Columns {@code pid} and {@code camid} are required, {@code clothes} is optional; other columns (a path, say)
 * are ignored; column order is free. Blank lines and lines starting with {@code #} are skipped. The file is RFC 4180
 * CSV (Apache Commons CSV): a field holding a comma (a path column, say) is written in double quotes.
 * <pre>
 * pid,camid,clothes
 * 2,0,7
 * 2,3,8
 * </pre>
 */
public final class LabelsCsv {
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setTrim(true).setIgnoreSurroundingSpaces(true)
            .setIgnoreEmptyLines(true).setCommentMarker('#').build();

    private LabelsCsv() {
    }

    public static Labels read(InputStream in, String source) throws IOException {
        int[] pids = new int[1024];
        int[] cams = new int[1024];
        int[] clothes = null;
        int n = 0;
        String[] header = null;
        int pidCol = -1;
        int camCol = -1;
        int clothesCol = -1;
        Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
        try (CSVParser parser = CSVParser.parse(reader, FORMAT)) {
            long lineNo = 1; // the line the next record starts on
            for (CSVRecord record : parser) {
                long start = lineNo;
                lineNo = parser.getCurrentLineNumber() + 1;
                String[] f = record.values();
                if (header == null) {
                    header = f;
                    if (header.length > 0) header[0] = stripBom(header[0]);
                    for (int i = 0; i < header.length; i++) {
                        switch (header[i].strip().toLowerCase(Locale.ROOT)) {
                            case "pid" -> pidCol = i;
                            case "camid" -> camCol = i;
                            case "clothes" -> clothesCol = i;
                            default -> {
                            }
                        }
                    }
                    if (pidCol < 0 || camCol < 0) {
                        List<String> missing = new ArrayList<>();
                        if (pidCol < 0) missing.add("pid");
                        if (camCol < 0) missing.add("camid");
                        throw new IOException(source + ": header \"" + String.join(",", header) + "\" lacks the column"
                                + (missing.size() > 1 ? "s " : " ") + String.join(" and ", missing)
                                + "; expected a header pid,camid[,clothes]");
                    }
                    if (clothesCol >= 0) clothes = new int[1024];
                    continue;
                }
                int need = Math.max(pidCol, Math.max(camCol, clothesCol)) + 1;
                if (f.length < need) {
                    throw new IOException(source + " line " + start + ": " + f.length + " fields, but the header has "
                            + header.length + " columns: \"" + String.join(",", f) + "\"");
                }
                if (n == pids.length) {
                    pids = Arrays.copyOf(pids, n * 2);
                    cams = Arrays.copyOf(cams, n * 2);
                    if (clothes != null) clothes = Arrays.copyOf(clothes, n * 2);
                }
                pids[n] = parse(f[pidCol], "pid", source, start);
                cams[n] = parse(f[camCol], "camid", source, start);
                if (clothes != null) clothes[n] = parse(f[clothesCol], "clothes", source, start);
                n++;
            }
        } catch (java.io.UncheckedIOException e) {
            throw new IOException(source + ": not valid CSV: " + e.getCause().getMessage(), e.getCause());
        }
        if (header == null) {
            throw new IOException(source + ": file is empty; expected a header line pid,camid[,clothes] and one line per image");
        }
        return new Labels(source, Arrays.copyOf(pids, n), Arrays.copyOf(cams, n),
                clothes == null ? null : Arrays.copyOf(clothes, n));
    }

    private static int parse(String field, String column, String source, long lineNo) throws IOException {
        String v = field.strip();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IOException(source + " line " + lineNo + ": " + column + " \"" + v + "\" is not an integer");
        }
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
