package org.reidspark.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core module's package graph, read from its sources: the top-level packages (artifact, config, data, model,
 * loss, eval, embed, train, method, run, ...) depend on each other without a cycle, orchestration ({@code run})
 * sits above the methods with nothing importing it, and no core code touches Spark.
 */
class PackageGraphTest {
    private static final Path SOURCES = Path.of("src/main/java/org/reidspark");
    private static final Pattern REFERENCE = Pattern.compile("org\\.reidspark\\.([a-z]+)\\.");

    /** Top-level package -> the top-level packages its classes reference. */
    static Map<String, Set<String>> graph() throws IOException {
        Map<String, Set<String>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String from = SOURCES.relativize(f).getName(0).toString();
                Set<String> to = g.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(f));
                while (m.find()) if (!m.group(1).equals(from)) to.add(m.group(1));
            }
        }
        return g;
    }

    @Test
    void topLevelPackagesHaveNoCycle() throws IOException {
        Map<String, Set<String>> g = graph();
        assertTrue(g.keySet().containsAll(List.of("train", "method", "eval", "data", "run")), g.keySet().toString());
        List<String> cycle = cycle(g);
        assertTrue(cycle.isEmpty(), "package cycle " + String.join(" -> ", cycle) + "; graph " + g);
    }

    @Test
    void orchestrationIsAboveEverythingAndCoreHasNoSpark() throws IOException {
        Map<String, Set<String>> g = graph();
        g.forEach((from, to) -> assertFalse(to.contains("run"), from + " imports run"));
        assertTrue(g.get("run").containsAll(List.of("method", "train", "eval")), g.get("run").toString());
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                assertFalse(Files.readString(f).contains("org.apache.spark"), f + " uses Spark");
            }
        }
    }

    @Test
    void theCycleFinderFindsACycle() {
        Map<String, Set<String>> g = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a")));
        List<String> cycle = cycle(g);
        assertEquals(4, cycle.size(), cycle.toString());
        assertEquals(cycle.get(0), cycle.get(3));
        assertTrue(cycle(new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of()))).isEmpty());
    }

    /** A cycle as its nodes with the first repeated at the end, or empty. */
    static List<String> cycle(Map<String, Set<String>> g) {
        Map<String, Integer> state = new TreeMap<>();
        for (String start : g.keySet()) {
            List<String> path = new ArrayList<>();
            List<String> found = visit(start, g, state, path);
            if (!found.isEmpty()) return found;
        }
        return List.of();
    }

    private static List<String> visit(String node, Map<String, Set<String>> g, Map<String, Integer> state, List<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) return List.of();
        if (s != null && s == 1) {
            List<String> c = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            c.add(node);
            return c;
        }
        state.put(node, 1);
        path.add(node);
        for (String next : g.getOrDefault(node, Set.of())) {
            List<String> c = visit(next, g, state, path);
            if (!c.isEmpty()) return c;
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return List.of();
    }
}
