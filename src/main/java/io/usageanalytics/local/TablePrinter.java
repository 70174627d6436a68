package io.usageanalytics.local;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/** Prints query results as an aligned text table or as CSV (RFC 4180 quoting). */
final class TablePrinter {

    private TablePrinter() {}

    /** Decimals an aligned table shows of a numeric value (shares, averages); CSV keeps them all. */
    static final int SHOWN_DECIMALS = 6;

    /** Every row of {@code r} as text, exactly: the header first ({@code ""} for NULL in CSV). */
    static List<String[]> read(ResultSet r) throws SQLException {
        return read(r, Integer.MAX_VALUE);
    }

    /**
     * Every row of {@code r} as text for reading on a screen: numeric values rounded to
     * {@link #SHOWN_DECIMALS} decimals (a share computed by PostgreSQL has 20).
     */
    static List<String[]> readRounded(ResultSet r) throws SQLException {
        return read(r, SHOWN_DECIMALS);
    }

    private static List<String[]> read(ResultSet r, int maxDecimals) throws SQLException {
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
                if (row[i] != null && m.getColumnType(i + 1) == Types.NUMERIC) {
                    BigDecimal v = r.getBigDecimal(i + 1);
                    if (v.scale() > maxDecimals) {
                        row[i] = v.setScale(maxDecimals, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
                    }
                }
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
