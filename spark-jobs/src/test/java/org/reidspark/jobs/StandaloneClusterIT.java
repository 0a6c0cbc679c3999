package org.reidspark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import org.reidspark.jobs.shard.MarketTree;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * submit/reid against a real Spark standalone cluster: a Master and one Worker, each in its own JVM, started from
 * the Maven classpath on loopback with random ports (a SPARK_HOME whose {@code jars/} links the runtime jars, as
 * submit/reid makes one). The Worker offers two stand-in GPUs found by submit/discover-gpus.sh (with a fake
 * nvidia-smi), so Spark's GPU scheduling runs for real, up to the CPU backend's warning.
 *
 * <p>Client mode: a job exits 0 and its tasks ran in the Worker's executor, each with a GPU; a failing job exits 1.
 * Cluster mode (the driver runs on the Worker; SparkSubmit itself exits 0 either way): a failed driver makes
 * submit/reid exit 1, a finished one 0. The JVMs are stopped after the class, also when a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://\\S+)");
    private static final Pattern MASTER_UI = Pattern.compile("Bound MasterWebUI to \\S+, and started at (http://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Process master;
    static Process worker;
    static String masterUrl;
    static String masterUi;
    static Path work;

    @BeforeAll
    static void startCluster() throws Exception {
        Path target = LauncherIT.ROOT.resolve("spark-jobs/target");
        Path appJar = target.resolve("reid-spark-jobs-0.1.0-SNAPSHOT-app.jar");
        assertTrue(Files.isRegularFile(appJar), "run after package: " + appJar);
        // SPARK_HOME for the Master and Worker JVMs and the executors and drivers the Worker starts
        Path sparkHome = dir.resolve("spark-home");
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        List<String> classpath = new ArrayList<>(List.of(appJar.toString()));
        classpath.addAll(List.of(Files.readString(target.resolve("runtime-classpath.txt")).trim().split(":")));
        for (String jar : classpath) {
            Path link = jars.resolve(Path.of(jar).getFileName());
            if (!Files.exists(link)) Files.createSymbolicLink(link, Path.of(jar));
        }
        // two stand-in GPUs: the real discovery script over a fake nvidia-smi
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        work = Files.createDirectories(dir.resolve("work"));
        // a backstop when the test JVM is stopped before @AfterAll runs
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : new Process[]{worker, master}) {
                if (p != null) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            }
        }));

        master = start("master", sparkHome, bin, List.of(), "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", "0", "--webui-port", "0");
        String masterLog = await("master", "I have been elected leader");
        masterUrl = find(MASTER_URL, masterLog);
        masterUi = find(MASTER_UI, masterLog);
        worker = start("worker", sparkHome, bin, List.of("-Dspark.worker.resource.gpu.amount=2",
                        "-Dspark.worker.resource.gpu.discoveryScript=" + LauncherIT.ROOT.resolve("submit/discover-gpus.sh")),
                "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
                "--cores", "2", "--memory", "3g", "--work-dir", work.toString(), masterUrl);
        await("worker", "Successfully registered with master");
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        // the Worker stops its executors and drivers when it is stopped; whatever survives is killed
        List<ProcessHandle> children = new ArrayList<>();
        for (Process p : new Process[]{worker, master}) if (p != null) p.descendants().forEach(children::add);
        for (Process p : new Process[]{worker, master}) stop(p);
        for (ProcessHandle h : children) {
            if (h.isAlive()) h.destroyForcibly();
        }
    }

    @Test
    @Order(1)
    void clientModeRunsTheTasksOnTheWorkerEachWithAGpu() throws Exception {
        Path runs = dir.resolve("runs");
        Set<String> before = apps();
        LauncherIT.Result r = LauncherIT.launch("smoke", "--master", masterUrl, "--partitions", "4", "--executor-cores", "2",
                "--conf", "spark.executor.resource.gpu.amount=2", "--conf", "spark.task.resource.gpu.amount=1",
                "--output", runs.toString(), "--name", "client");
        assertEquals(0, r.code(), r.output() + logs());
        assertTrue(r.output().contains("smoke: OK"), r.output());
        JsonNode info = JSON.readTree(runs.resolve("client/run.json").toFile());
        assertEquals(masterUrl, info.get("master").asText());
        assertEquals("[\"0\",\"1\"]", info.get("taskGpus").toString(), "tasks ran with the Worker's two GPUs, one each");
        assertEquals("[\"CpuBackend, NativeOpExecutioner, fenced\"]", info.get("taskNd4j").toString(),
                "ND4J on the Worker's executor runs the fenced executioner");

        // the Worker ran one executor for the application, and the Master saw it finish
        Set<String> added = apps();
        added.removeAll(before);
        assertEquals(1, added.size(), "new applications in the Worker's work dir: " + added);
        String app = added.iterator().next();
        String executorLog = Files.readString(work.resolve(app).resolve("0/stderr"));
        assertTrue(executorLog.contains("Spark assigned GPU") && executorLog.contains("CPU backend"), executorLog);
        JsonNode state = JSON.readTree(URI.create(masterUi + "/json/").toURL());
        boolean finished = false;
        for (JsonNode a : state.get("completedapps")) {
            if (a.get("id").asText().equals(app)) finished = a.get("state").asText().equals("FINISHED");
        }
        assertTrue(finished, app + " is not a finished application of the Master: " + state.get("completedapps"));
    }

    @Test
    @Order(2)
    void clientModeFailedJobExitsOne() throws Exception {
        LauncherIT.Result r = LauncherIT.launch("smoke", "--master", masterUrl, "--fail",
                "--output", dir.resolve("runs").toString(), "--name", "client-fails");
        assertEquals(1, r.code(), r.output() + logs());
        assertTrue(r.output().contains("error: job smoke failed") && r.output().contains("smoke task failed on purpose"),
                r.output());
        assertTrue(r.output().contains("executor 0"), "the task failed on the Worker's executor: " + r.output());
    }

    @Test
    @Order(3)
    void clusterModeFailedDriverExitsOne() throws Exception {
        LauncherIT.Result r = LauncherIT.launch("smoke", "--master", masterUrl, "--deploy-mode", "cluster", "--fail",
                "--output", dir.resolve("runs").toString(), "--name", "cluster-fails");
        assertEquals(1, r.code(), r.output() + logs());
        String driver = find(Pattern.compile("the driver (driver-\\S+) ended FAILED in cluster mode"), r.output());
        String driverLog = Files.readString(work.resolve(driver).resolve("stderr"));
        assertTrue(driverLog.contains("smoke task failed on purpose"), "the driver on the Worker failed for the job's reason: "
                + driverLog);
        assertTrue(Files.notExists(dir.resolve("runs/cluster-fails")));
    }

    @Test
    @Order(4)
    void clusterModeFinishedDriverExitsZero() throws Exception {
        Path runs = dir.resolve("runs");
        LauncherIT.Result r = LauncherIT.launch("smoke", "--master", masterUrl, "--deploy-mode", "cluster",
                "--output", runs.toString(), "--name", "cluster");
        assertEquals(0, r.code(), r.output() + logs());
        String driver = find(Pattern.compile("the driver (driver-\\S+) FINISHED"), r.output());
        assertTrue(Files.readString(work.resolve(driver).resolve("stdout")).contains("smoke: OK"));
        assertEquals(masterUrl, JSON.readTree(runs.resolve("cluster/run.json").toFile()).get("master").asText());
    }

    @Test
    @Order(5)
    void clusterModeShipsTheExperimentSoARelativeConfPathWorks() throws Exception {
        // the README's cluster-mode command with a relative --conf: the file exists only where submit/reid runs
        Path here = Files.createDirectories(dir.resolve("submitter"));
        Path runs = dir.resolve("runs");
        Files.writeString(here.resolve("exp.conf"), "reid.smoke.partitions = 3\nreid.run.name = shipped\n"
                + "reid.run.output = \"" + runs + "\"\n");
        LauncherIT.Result r = LauncherIT.launchIn(here, java.util.Map.of(), "smoke", "--master", masterUrl,
                "--deploy-mode", "cluster", "--conf", "exp.conf");
        assertEquals(0, r.code(), r.output() + logs());
        String driver = find(Pattern.compile("the driver (driver-\\S+) FINISHED"), r.output());
        assertTrue(Files.readString(work.resolve(driver).resolve("stdout")).contains("smoke: OK"));
        String config = Files.readString(runs.resolve("shipped/config.conf"));
        assertTrue(config.contains("partitions = 3") || config.contains("partitions=3"), config);
    }

    /**
     * The train job in cluster mode: the driver runs on the Worker, and its one worker trains as a resident worker (a
     * long-lived task on the Worker's executor connecting back to the driver's socket); the run is published.
     */
    @Test
    @Order(6)
    void clusterModeTrainsWithAResidentWorkerConnectingToTheDriverOnTheWorker() throws Exception {
        Path data = MarketTree.write(dir.resolve("market"));
        Path runs = dir.resolve("runs");
        List<String> args = new ArrayList<>(TrainJobTest.tinyTraining(data.toString(), runs.toString()));
        args.remove(1); // its local master
        args.set(args.indexOf("t"), "trained");
        args.set(args.indexOf("--workers") + 1, "1"); // the driver takes one of the Worker's two cores
        args.addAll(List.of("--master", masterUrl, "--deploy-mode", "cluster"));
        LauncherIT.Result r = LauncherIT.launch(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.output() + logs());
        String driver = find(Pattern.compile("the driver (driver-\\S+) FINISHED"), r.output());
        String driverLog = Files.readString(work.resolve(driver).resolve("stderr"));
        assertTrue(driverLog.contains("1 resident workers started"), driverLog);
        assertTrue(Files.exists(runs.resolve("trained/_PUBLISHED")), "the run is published");
    }

    private static Process start(String name, Path sparkHome, Path bin, List<String> props, String main, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(opens()));
        cmd.add("-Xmx512m");
        // the Master's and Worker's INFO lines this test waits for, whatever log4j2 file the classpath carries
        Path log4j = dir.resolve("log4j2-cluster.properties");
        if (!Files.exists(log4j)) {
            Files.writeString(log4j, String.join("\n", "appender.console.type = Console", "appender.console.name = console",
                    "appender.console.layout.type = PatternLayout", "appender.console.layout.pattern = %d{HH:mm:ss} %-5p %c{1}: %m%n",
                    "rootLogger.level = info", "rootLogger.appenderRef.stdout.ref = console", ""));
        }
        cmd.add("-Dlog4j2.configurationFile=" + log4j);
        cmd.addAll(props);
        cmd.addAll(List.of("-cp", sparkHome.resolve("jars") + "/*", main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        return pb.start();
    }

    /** Spark's Java 17 module options, from the parent pom as submit/reid reads them. */
    private static String[] opens() throws IOException {
        Matcher m = Pattern.compile("<spark.java.opens>(.*)</spark.java.opens>")
                .matcher(Files.readString(LauncherIT.ROOT.resolve("pom.xml")));
        assertTrue(m.find(), "no <spark.java.opens> in pom.xml");
        return m.group(1).trim().split("\\s+");
    }

    /** Waits until the JVM's log contains {@code line}; returns the log. */
    private static String await(String name, String line) throws IOException, InterruptedException {
        Process p = name.equals("master") ? master : worker;
        Path log = dir.resolve(name + ".log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            if (text.contains(line)) return text;
            if (!p.isAlive()) throw new AssertionError("the " + name + " JVM exited (" + p.exitValue() + "):\n" + text);
            Thread.sleep(200);
        }
        throw new AssertionError("the " + name + " did not log \"" + line + "\" within 120 s:\n" + Files.readString(log));
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), "no match for " + p + " in:\n" + text);
        return m.group(1);
    }

    /** Application directories in the Worker's work dir. */
    private static Set<String> apps() throws IOException {
        try (Stream<Path> s = Files.list(work)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("app-")).toList());
        }
    }

    /** The Master's and Worker's logs, for failure messages. */
    private static String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("master", "worker")) {
            List<String> lines = Files.readAllLines(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
            sb.append("\n--- ").append(name).append(" log (last 40 lines) ---\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
        }
        return sb.toString();
    }

    private static void stop(Process p) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
