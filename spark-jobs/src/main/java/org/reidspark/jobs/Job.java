package org.reidspark.jobs;

import java.util.List;

/**
 * A job: one entry point of {@code submit/reid}. Jobs are thin: parse config, read, call core, write.
 * {@link Jobs} maps a job name to its implementation with one {@code switch}.
 */
public interface Job {
    /** The name used on the command line, e.g. {@code smoke}. */
    String name();

    /** One line for {@code submit/reid --help}. */
    String summary();

    /** The job's own {@code --flags}; most stand for a config key. */
    default List<JobOption> options() {
        return List.of();
    }

    /**
     * How the job's plain arguments (words before or among its options, such as {@code registry list}) read in its
     * usage line, e.g. {@code list | show VERSION}; null for a job that takes none.
     */
    default String arguments() {
        return null;
    }

    /** Runs the job; returns the process exit code (0 = success). */
    int run(JobContext context) throws Exception;
}
