package org.reidspark.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads {@link Labels} from CSV: a header line naming the columns, then one line per image in matrix order.
 * Columns {@code pid} and {@code camid} are required, {@code clothes} is optional; other columns (a path, say)
 * are ignored; column order is free. Blank lines and lines starting with {@code #} are skipped.
 * <pre>
 * pid,camid,clothes
 * 2,0,7
 * 2,3,8
 * </pre>
 */
public final class LabelsCsv {
    private LabelsCsv() {
    }

    public static Labels read(InputStream in, String source) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int lineNo = 0;
        String[] header = null;
        while ((line = r.readLine()) != null) {
            lineNo++;
            String t = stripBom(line).strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            header = t.split(",", -1);
            break;
        }
        if (header == null) {
            throw new IOException(source + ": file is empty; expected a header line pid,camid[,clothes] and one line per image");
        }
        int pidCol = -1;
        int camCol = -1;
        int clothesCol = -1;
        for (int i = 0; i < header.length; i++) {
            String h = unquote(header[i]).toLowerCase(Locale.ROOT);
            switch (h) {
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
        int[] pids = new int[1024];
        int[] cams = new int[1024];
        int[] clothes = clothesCol >= 0 ? new int[1024] : null;
        int n = 0;
        int need = Math.max(pidCol, Math.max(camCol, clothesCol)) + 1;
        while ((line = r.readLine()) != null) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            String[] f = t.split(",", -1);
            if (f.length < need) {
                throw new IOException(source + " line " + lineNo + ": " + f.length + " fields, but the header has "
                        + header.length + " columns: \"" + t + "\"");
            }
            if (n == pids.length) {
                pids = Arrays.copyOf(pids, n * 2);
                cams = Arrays.copyOf(cams, n * 2);
                if (clothes != null) clothes = Arrays.copyOf(clothes, n * 2);
            }
            pids[n] = parse(f[pidCol], "pid", source, lineNo);
            cams[n] = parse(f[camCol], "camid", source, lineNo);
            if (clothes != null) clothes[n] = parse(f[clothesCol], "clothes", source, lineNo);
            n++;
        }
        return new Labels(source, Arrays.copyOf(pids, n), Arrays.copyOf(cams, n),
                clothes == null ? null : Arrays.copyOf(clothes, n));
    }

    private static int parse(String field, String column, String source, int lineNo) throws IOException {
        String v = unquote(field);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IOException(source + " line " + lineNo + ": " + column + " \"" + v + "\" is not an integer");
        }
    }

    private static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) t = t.substring(1, t.length() - 1).strip();
        return t;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
