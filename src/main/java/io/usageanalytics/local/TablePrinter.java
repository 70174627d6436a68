package io.usageanalytics.local;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Prints query results as an aligned text table or as CSV (RFC 4180 quoting). */
final class TablePrinter {

    private TablePrinter() {}

    /** Reads every row of {@code r}: the header first, then values as text ({@code ""} for NULL in CSV). */
    static List<String[]> read(ResultSet r) throws SQLException {
        ResultSetMetaData m = r.getMetaData();
        int n = m.getColumnCount();
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[n];
        for (int i = 0; i < n; i++) {
            header[i] = m.getColumnLabel(i + 1);
        }
        rows.add(header);
        while (r.next()) {
            String[] row = new String[n];
            for (int i = 0; i < n; i++) {
                row[i] = r.getString(i + 1);
            }
            rows.add(row);
        }
        return rows;
    }

    static void aligned(List<String[]> rows, PrintStream out) {
        if (rows.isEmpty()) {
            return;
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], text(row[i]).length());
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                String v = text(rows.get(r)[i]);
                line.append(i == 0 ? "" : "  ").append(v).append(" ".repeat(width[i] - v.length()));
            }
            out.println(line.toString().stripTrailing());
            if (r == 0) {
                StringBuilder rule = new StringBuilder();
                for (int i = 0; i < width.length; i++) {
                    rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
                }
                out.println(rule);
            }
        }
        out.println("(" + (rows.size() - 1) + (rows.size() == 2 ? " row)" : " rows)"));
    }

    static void csv(List<String[]> rows, PrintStream out) {
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == 0 ? "" : ",").append(quote(row[i]));
            }
            out.println(line);
        }
    }

    private static String text(String v) {
        return v == null ? "NULL" : v;
    }

    private static String quote(String v) {
        if (v == null) {
            return "";
        }
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
            return v;
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }
}
