package org.reidspark.jobs.retrain;

import org.reidspark.artifact.Storage;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.UsageError;
import org.reidspark.registry.Lease;
import org.reidspark.registry.Registry;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code registry}: the registry of the re-training pipeline for people. {@code list} (versions with their figures and
 * decisions, the champion marked), {@code show VERSION} (its record and data version), {@code history} (every change,
 * numbered), {@code promote VERSION --reason TEXT} (make any trained version champion, past the gate), {@code rollback
 * --reason TEXT} (back to the champion before the current one). Promote and rollback take the registry's lease, as the
 * pipeline does, embed the collection with the version's model unless that output exists already, and replace the
 * champion alias in one step; they exit {@value RetrainJob#BUSY} when a pipeline run holds the lease.
 */
public final class RegistryJob implements Job {
    @Override
    public String name() {
        return "registry";
    }

    @Override
    public String summary() {
        return "the re-training registry: list, show VERSION, history, promote VERSION, rollback";
    }

    @Override
    public String arguments() {
        return "list | show VERSION | history | promote VERSION --reason TEXT | rollback --reason TEXT";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--registry", "PATH", "reid.retrain.registry", "the registry prefix (local path or s3a://...)"),
                JobOption.config("--collection", "PREFIX", "reid.retrain.collection",
                        "images embedded by a new champion (default: the pipeline's, pinned in pipeline.json)"),
                JobOption.plain("--reason", "TEXT", "why a person promotes or rolls back (recorded in the history)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        RetrainConfig settings = RetrainConfig.from(ctx.config());
        Storage storage = ctx.storage();
        Registry registry = Registry.at(storage, settings.registry());
        List<String> args = ctx.args().positional();
        String verb = args.isEmpty() ? "" : args.get(0);
        switch (verb) {
            case "list" -> {
                arity(args, 1);
                list(registry, ctx.out());
            }
            case "show" -> {
                arity(args, 2);
                show(registry, args.get(1), ctx.out());
            }
            case "history" -> {
                arity(args, 1);
                for (Registry.Event e : registry.history()) ctx.out().println(line(e));
            }
            case "promote", "rollback" -> {
                arity(args, verb.equals("promote") ? 2 : 1);
                String reason = ctx.args().plain("--reason").orElseThrow(() -> new UsageError("registry " + verb
                        + " needs --reason TEXT: why (it is recorded in the history)"));
                return change(ctx, settings, registry, verb, verb.equals("promote") ? args.get(1) : null, reason);
            }
            default -> throw new UsageError("registry needs one of: " + arguments() + (verb.isEmpty() ? "" : "; got \"" + verb + "\""));
        }
        return 0;
    }

    private void arity(List<String> args, int n) {
        if (args.size() != n) throw new UsageError("usage: submit/reid registry " + arguments() + "; got " + String.join(" ", args));
    }

    private static void list(Registry registry, PrintStream out) throws Exception {
        Optional<Registry.Champion> champion = registry.champion();
        out.println("registry " + registry.root() + ": champion " + champion.map(c -> c.version() + " since " + c.since()
                + " (" + c.how() + ")" + (c.embeddings() == null ? "" : ", embeddings " + c.embeddings())).orElse("(none)"));
        out.printf(Locale.ROOT, "  %-8s %-6s %-24s %-11s %-28s %s%n", "version", "data", "decided", "decision",
                "on the holdout", "the champion then");
        for (Registry.VersionRecord r : registry.versions()) {
            boolean current = champion.isPresent() && champion.get().version().equals(r.version());
            out.printf(Locale.ROOT, "%s %-8s %-6s %-24s %-11s %-28s %s%n", current ? "*" : " ", r.version(), r.dataVersion(),
                    r.decision().time(), r.decision().outcome(), r.candidate() == null ? "-" : r.candidate().brief(),
                    r.championVersion() == null ? "-" : r.championVersion() + ": " + r.champion().brief());
        }
    }

    private static void show(Registry registry, String version, PrintStream out) throws Exception {
        Registry.VersionRecord r = record(registry, version);
        out.println(Registry.JSON_WRITER.writeValueAsString(r));
        registry.data(r.dataVersion()).ifPresent(d -> out.println("data version " + d.name() + ": " + Registry.describe(d)));
        Optional<Registry.Champion> c = registry.champion();
        out.println(c.isPresent() && c.get().version().equals(version) ? "champion since " + c.get().since()
                + (c.get().embeddings() == null ? "" : ", embeddings " + c.get().embeddings()) : "not the champion");
    }

    /** {@code promote} or {@code rollback}: under the lease, the version made champion with its embeddings. */
    private static int change(JobContext ctx, RetrainConfig settings, Registry registry, String verb, String version,
                              String reason) throws Exception {
        String by = System.getProperty("user.name") + ": " + reason;
        Lease lease;
        try {
            lease = Lease.acquire(ctx.storage(), registry.lease(), "registry " + verb + " by " + System.getProperty("user.name"),
                    settings.leaseTtl(), settings.leaseSettle());
        } catch (Lease.HeldException e) {
            ctx.out().println("registry: " + e.getMessage());
            return RetrainJob.BUSY;
        }
        SparkSessions.hold();
        try (lease) {
            Optional<Registry.Champion> now = registry.champion();
            String target = version;
            if (verb.equals("rollback")) {
                List<String> stack = registry.championStack();
                if (stack.size() < 2) {
                    throw new UsageError("nothing to roll back to in " + registry.root() + ": the champions so far are "
                            + (stack.isEmpty() ? "none" : String.join(", ", stack)));
                }
                target = stack.get(stack.size() - 2);
            }
            Registry.VersionRecord r = record(registry, target);
            if (r.runId() == null) {
                throw new UsageError(target + " was " + r.decision().outcome() + " before it was trained to the end: it has"
                        + " no model to promote");
            }
            if (now.isPresent() && now.get().version().equals(target)) {
                ctx.out().println("registry: " + target + " is the champion already; nothing changed");
                return 0;
            }
            Registry.Champion c = Pipeline.activate(ctx, registry, collection(settings, registry), r, verb, by, lease);
            ctx.out().println("registry: " + (verb.equals("rollback") ? "rolled back to " : "promoted ") + c.version()
                    + " (was " + now.map(Registry.Champion::version).orElse("none") + ")"
                    + (c.embeddings() == null ? "" : ", embeddings " + c.embeddings()));
            return 0;
        } finally {
            SparkSessions.release();
        }
    }

    /** The collection a new champion embeds: {@code --collection} if given, else the one the pipeline was set up with. */
    private static String collection(RetrainConfig settings, Registry registry) throws java.io.IOException {
        if (!settings.collection().isBlank()) return settings.collection();
        Object pinned = registry.pipeline().map(p -> p.get("collection")).orElse(null);
        return pinned == null ? "" : pinned.toString();
    }

    static String line(Registry.Event e) {
        return String.format(Locale.ROOT, "#%-3d %-24s %-8s %-6s %-10s %s  [%s]", e.seq(), e.time(), e.kind(), e.version(),
                e.outcome() == null ? "" : e.outcome(), e.detail(), e.by());
    }

    private static Registry.VersionRecord record(Registry registry, String version) throws Exception {
        Optional<Registry.VersionRecord> r = registry.version(version);
        if (r.isPresent()) return r.get();
        throw new UsageError("no version " + version + " in " + registry.root() + "; known: "
                + String.join(", ", registry.versions().stream().map(Registry.VersionRecord::version).toList()));
    }
}
