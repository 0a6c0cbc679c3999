package org.reidspark.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Where a run came from: project version, git revision, JVM, host, library versions. */
public final class Provenance {
    private Provenance() {
    }

    /** Facts about the code and machine producing an artifact, for {@code run.json}. */
    public static Map<String, Object> current() {
        Map<String, Object> m = new LinkedHashMap<>();
        Properties build = buildProperties();
        m.put("projectVersion", build.getProperty("project.version", "unknown"));
        m.put("gitRevision", gitRevision());
        m.put("dl4jVersion", build.getProperty("dl4j.version", "unknown"));
        m.put("sparkVersion", build.getProperty("spark.version", "unknown"));
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        m.put("user", System.getProperty("user.name"));
        return m;
    }

    private static Properties buildProperties() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/reid-build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // provenance is best effort: "unknown" is recorded instead
        }
        return p;
    }

    /** {@code REID_GIT_REVISION} (set by submit/reid), else {@code git rev-parse HEAD} here, else "unknown". */
    public static String gitRevision() {
        String env = System.getenv("REID_GIT_REVISION");
        if (env != null && !env.isBlank()) return env.trim();
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            p.destroyForcibly();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
