package org.reidspark.jobs;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The jars a local-mode session stops copying: those spark-submit listed that are already on the JVM's class path. */
class SparkSessionsTest {
    private static final Path APP = Path.of("target", "app.jar").toAbsolutePath();
    private static final Path OTHER = Path.of("lib", "other.jar").toAbsolutePath();
    private static final String CLASS_PATH = String.join(File.pathSeparator, APP.toString(), "/opt/lib/dep.jar");

    private static String jarsAfter(String master, String jars) {
        SparkConf conf = new SparkConf(false).setMaster(master).set("spark.jars", jars);
        SparkSessions.localJars(conf, CLASS_PATH);
        return conf.get("spark.jars");
    }

    @Test
    void localModeDropsOnlyTheJarsAlreadyOnTheClassPath() {
        String jars = APP.toUri() + "," + OTHER + ",s3a://bucket/lib.jar," + "/opt/lib/../lib/dep.jar";
        // the application jar (a file: uri) and dep.jar (a plain path, not normalized) are on the class path
        assertEquals(OTHER + ",s3a://bucket/lib.jar", jarsAfter("local[*]", jars));
        assertEquals(OTHER + ",s3a://bucket/lib.jar", jarsAfter("local", jars));
        assertEquals("", jarsAfter("local[2]", APP.toString()));
    }

    @Test
    void otherMastersKeepEveryJar() {
        String jars = APP.toUri() + "," + OTHER;
        // local-cluster's executors are JVMs of their own: they fetch the jars
        assertEquals(jars, jarsAfter("local-cluster[2,1,1024]", jars));
        assertEquals(jars, jarsAfter("spark://host:7077", jars));
        assertEquals(jars, jarsAfter("yarn", jars));
        SparkConf none = new SparkConf(false).setMaster("local[2]");
        SparkSessions.localJars(none, CLASS_PATH);
        assertFalse(none.contains("spark.jars"));
    }
}
