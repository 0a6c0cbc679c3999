package org.reidspark.data.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every name (or line) of a dataset that breaks its layout's rule, so that one error reports
 * them all (the first {@value #SHOWN} with their paths, plus a count) instead of failing on the first.
 */
final class BadNames {
    static final int SHOWN = 10;

    private final String dataset;
    private final List<String> items = new ArrayList<>();
    private final List<String> rules = new ArrayList<>();

    BadNames(String dataset) {
        this.dataset = dataset;
    }

    /** One bad entry: where it is (a path, or a file and line) and what is wrong with it. */
    void add(Object where, String problem, String rule) {
        items.add(where + ": " + problem);
        if (!rules.contains(rule)) rules.add(rule);
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    int size() {
        return items.size();
    }

    /** Throws one {@link CatalogError} listing the bad entries, if there are any. */
    void throwIfAny() {
        if (items.isEmpty()) return;
        StringBuilder m = new StringBuilder();
        m.append(dataset).append(": ").append(items.size())
                .append(items.size() == 1 ? " entry does" : " entries do")
                .append(" not follow the layout's naming rule (").append(String.join("; ", rules)).append("):");
        for (int i = 0; i < Math.min(SHOWN, items.size()); i++) m.append("\n  ").append(items.get(i));
        if (items.size() > SHOWN) m.append("\n  ... and ").append(items.size() - SHOWN).append(" more");
        throw new CatalogError(m.toString());
    }
}
