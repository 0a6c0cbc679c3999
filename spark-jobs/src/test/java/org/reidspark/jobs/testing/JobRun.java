package org.reidspark.jobs.testing;

import org.reidspark.jobs.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A job run in-process through {@link Main#run}, as {@code submit/reid} would run it: exit code, stdout, stderr. */
public record JobRun(int code, String out, String err) {
    public static JobRun run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new JobRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public static JobRun run(String... args) {
        return run(List.of(args));
    }
}
