package org.reidspark.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.Secrets;
import org.reidspark.data.catalog.CatalogError;
import org.reidspark.data.shard.BadImagesError;
import org.reidspark.model.OffHeapCollector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Arrays;
import java.util.List;

/**
 * The application's entry point: {@code Main <job> [--conf FILE] [--flags] [key=value ...]}.
 * submit/reid runs it through spark-submit. Errors a user can fix print one clear line and exit non-zero
 * (2 for a bad command line or config, 1 for a failed job).
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.exit(code);
    }

    /**
     * Runs a job without exiting the JVM; returns the exit code. Error lines never carry a secret of the config: every
     * value of a secret key ({@link Secrets}) is replaced in them (an S3 error may echo a key it was given).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        AtomicReference<Collection<String>> secrets = new AtomicReference<>(List.of());
        PrintStream scrubbed = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8) {
            @Override
            public void println(String line) {
                err.println(Secrets.scrub(line, secrets.get()));
            }
        };
        return run(args, out, scrubbed, secrets);
    }

    private static int run(String[] args, PrintStream out, PrintStream err,
                           AtomicReference<Collection<String>> secrets) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        Job job;
        JobArgs jobArgs;
        Config config;
        try {
            job = Jobs.byName(args[0]);
            jobArgs = JobArgs.parse(job, Arrays.asList(args).subList(1, args.length));
            if (jobArgs.help()) {
                out.print(help(job));
                return 0;
            }
            config = ConfigLoader.load(jobArgs.confFile(), jobArgs.shippedExperiment().orElse(null), jobArgs.overrides());
            secrets.set(Secrets.values(config));
            if (jobArgs.shipConfig()) {
                out.println(JobArgs.encodeShipped(ConfigLoader.shippable(config)));
                return 0;
            }
            if (jobArgs.getConfigKey().isPresent()) {
                out.println(config.getString(jobArgs.getConfigKey().get()));
                return 0;
            }
        } catch (UsageError | ConfigError e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (ConfigException e) {
            err.println("error: config: " + e.getMessage());
            return 2;
        }
        try {
            OffHeapCollector.checkProperty();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        String rendered = ConfigLoader.render(config);
        if (jobArgs.printConfig()) {
            out.print(rendered);
            return 0;
        }
        LOG.info("job {} with resolved config (secrets redacted):\n{}", job.name(), rendered);
        try {
            int code = job.run(new JobContext(job, config, jobArgs, out));
            // other codes are outcomes a job explains itself (retrain: a rejected candidate, a busy registry)
            if (code == 1) err.println("error: job " + job.name() + " failed with exit code " + code);
            return code;
        } catch (UsageError | ConfigError e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (ConfigException e) {
            err.println("error: config: " + e.getMessage());
            return 2;
        } catch (CatalogError | BadImagesError e) {
            // a dataset that cannot be read as configured: the message names the paths and what to fix
            LOG.debug("job {} failed", job.name(), e);
            err.println("error: job " + job.name() + " failed: " + e.getMessage());
            return 1;
        } catch (java.io.IOException e) {
            // I/O errors carry their own explanation (path, endpoint); the stack trace is only noise here.
            LOG.debug("job {} failed", job.name(), e);
            err.println("error: job " + job.name() + " failed: " + describe(e));
            return 1;
        } catch (Exception e) {
            LOG.error("job {} failed: {}", job.name(), Secrets.scrub(stackTrace(e), secrets.get()));
            err.println("error: job " + job.name() + " failed: " + describe(e));
            return 1;
        }
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /** The exception chain's messages on one line: the cause a user can act on is usually innermost. */
    public static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (sb.indexOf(m) >= 0) continue;
            if (sb.length() > 0) sb.append(" <- ");
            sb.append(m);
        }
        return sb.toString();
    }

    static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: submit/reid <job> [--conf FILE] [--flags] [key=value ...]\n")
                .append("       submit/reid <job> --help     options of one job\n\n")
                .append("jobs:\n");
        for (String name : Jobs.NAMES) {
            sb.append(String.format("  %-14s %s%n", name, Jobs.byName(name).summary()));
        }
        sb.append("\nEvery job also takes --print-config (print the resolved config and exit) and key=value\n")
                .append("overrides of any config key (see core/src/main/resources/reference.conf).\n")
                .append("submit/reid passes every spark-submit option through (--master URL, --deploy-mode client|cluster,\n")
                .append("--conf spark.x=y, --driver-memory, --supervise, ...); --name is the run's name.\n");
        return sb.toString();
    }

    static String help(Job job) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: submit/reid ").append(job.name()).append(job.arguments() == null ? "" : " " + job.arguments())
                .append(" [--conf FILE] [options] [key=value ...]\n\n")
                .append(job.summary()).append("\n\noptions:\n");
        List<JobOption> opts = job.options();
        sb.append(String.format("  %-28s %s%n", "--conf FILE", "experiment config (HOCON), e.g. conf/local.conf"));
        for (JobOption o : opts) {
            String left = o.flag() + (o.takesValue() ? " " + o.argName() : "");
            String right = o.help() + (o.configKey() != null ? " [" + o.configKey() + "]" : "");
            sb.append(String.format("  %-28s %s%n", left, right));
        }
        sb.append(String.format("  %-28s %s%n", "--print-config", "print the resolved config and exit"));
        sb.append(String.format("  %-28s %s%n", "key=value", "override any config key"));
        return sb.toString();
    }
}
