package org.reidspark.jobs.train;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.TaskGpu;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.train.InputBatches;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The rounds of a parameter-averaging training without a Spark job per round ({@code reid.distributed.rounds =
 * resident}): one long-lived Spark task per worker (one Spark job for a run of rounds) keeps its resident state
 * ({@link ResidentStates}) and takes round after round from the driver over a TCP connection of its own: the driver
 * sends each worker the round's order and values ({@link org.reidspark.train.StateValues}), each worker runs the round
 * exactly as a per-round task would ({@link ParameterAveragingTrainer#workerRound}) and sends its result back; the
 * driver combines the results in worker order. A round so costs the values' and results' bytes on a socket instead of
 * a Spark job's scheduling, closure and broadcast machinery, and its arithmetic is the per-round job's. Workers in the
 * driver's own JVM (a local master) take the values and hand back their results by reference instead ({@link #HANDOFFS}),
 * their connections carrying the rest.
 *
 * <p>The driver listens on {@code spark.driver.bindAddress} (else {@code spark.driver.host}) at
 * {@code reid.distributed.port} (0: any free port); a worker presents a random token drawn for the training before it
 * is heard. A worker's task that fails closes its connection; Spark runs the task again, the new attempt connects, and
 * the driver sends it the round it had not answered, so a retried round is computed again from the same values as in
 * a per-round job (the full exchange gives the same result; the compact one starts that worker's optimizer state
 * again from the driver's). When Spark gives up on the task the driver fails with the task's error. A Spark job the
 * driver needs meanwhile (a periodic evaluation, a search on the executors) would wait for the slots the workers hold,
 * so the trainer calls {@link #suspend} first: the workers return (keeping their resident states) and the next round
 * starts them again.
 *
 * <p>Needs a task slot per worker at once: the trainer checks Spark's count of concurrent task slots first and runs a
 * job per round where there are fewer (a warning says so).
 */
final class ResidentWorkers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResidentWorkers.class);
    private static final byte STOP = 0;
    private static final byte ROUND = 1;
    /** How long the driver waits for every worker to connect after starting them, or for a failed worker's new attempt. */
    private static final long JOIN_SECONDS = 300;

    /** What a round asks of every worker besides the values. */
    record Order(int epoch, int round, double lrFactor, boolean compact, boolean sync) implements Serializable {
    }

    /** What the long-lived tasks need besides their shard. */
    record Task(ParameterAveragingTrainer.Worker worker, Broadcast<byte[]> template, Broadcast<byte[]> frozen, int workers,
                boolean compact, String host, int port, long token) implements Serializable {
    }

    /** Times resident workers were started in this JVM (for tests). */
    private static final java.util.concurrent.atomic.AtomicInteger STARTS = new java.util.concurrent.atomic.AtomicInteger();
    /** Worker rounds answered by reference in this JVM ({@link Handoff}; for tests). */
    private static final java.util.concurrent.atomic.AtomicInteger HANDED_OVER = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The trainings whose driver runs in this JVM, by token. A worker task in the same JVM (a local master) finds its
     * training here and takes the round's values, and hands back its result, by reference ({@link Handoff}); its
     * connection then carries the round's order and a {@link Receipt}, not the state's bytes twice and a Java
     * serialization of the result each round (docs/performance.md, "Resident workers in the driver's JVM"). The
     * compact exchange's results still travel serialized: their half-precision values are part of its arithmetic
     * ({@link org.reidspark.train.MergeAccumulator}). A worker in another JVM (an executor of a cluster,
     * {@code local-cluster}) finds none and exchanges the bytes.
     */
    private static final Map<Long, Handoff> HANDOFFS = new ConcurrentHashMap<>();

    /**
     * One training's exchange with its workers in the driver's JVM: the current round's values (the driver's encoded
     * bytes, only read by the workers) and the results not yet taken by the driver, by receipt. Each result is a new
     * object of its round ({@link ParameterAveragingTrainer#workerRound}: fresh sums, copies of the worker's arrays), so
     * the driver may combine it in place while the worker waits for its next round.
     */
    private static final class Handoff {
        volatile RoundValues values;
        final Map<Long, ParameterAveragingTrainer.WorkerResult> results = new ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicLong receipts = new java.util.concurrent.atomic.AtomicLong();
    }

    /** The values of round {@code round}, for the workers in the driver's JVM. */
    private record RoundValues(int round, byte[] bytes) {
    }

    /** What a worker in the driver's JVM writes on its connection for a result it handed over. */
    record Receipt(long id) implements Serializable {
    }

    private final JavaSparkContext jsc;
    private final JavaRDD<Shard> shards;
    private final int workers;
    private final int port;
    private Running running;

    ResidentWorkers(JavaSparkContext jsc, JavaRDD<Shard> shards, int port) {
        this.jsc = jsc;
        this.shards = shards;
        this.workers = shards.getNumPartitions();
        this.port = port;
    }

    /** How many times resident workers were started in this JVM. */
    static int starts() {
        return STARTS.get();
    }

    /** How many worker rounds were answered by reference in this JVM (a worker in the driver's JVM). */
    static int handedOver() {
        return HANDED_OVER.get();
    }

    /**
     * How many tasks Spark can run at once now (its count of the registered executors' task slots); resident workers
     * need one slot each for the whole run of rounds.
     */
    static int concurrentSlots(JavaSparkContext jsc) {
        return jsc.sc().maxNumConcurrentTasks(jsc.sc().resourceProfileManager().defaultResourceProfile());
    }

    /**
     * Runs one round on every worker, starting the workers (a Spark job) if they are not running or run another
     * template, and returns their results combined in worker order.
     */
    ParameterAveragingTrainer.WorkerResult round(ParameterAveragingTrainer.Worker worker, Broadcast<byte[]> template,
                                                 Broadcast<byte[]> frozen, boolean compact, Order order, byte[] values) throws IOException {
        if (running != null && running.task.template().id() != template.id()) suspend();
        if (running == null) running = new Running(worker, template, frozen, compact);
        return running.round(order, values);
    }

    /** Stops the workers, if running, after their last round; their resident states stay on the executors. */
    void suspend() {
        Running r = take();
        if (r != null) r.stop();
    }

    /** The running workers, no longer this object's (null when none run). */
    private Running take() {
        Running r = running;
        running = null;
        return r;
    }

    /** Stops the workers after their last round. */
    @Override
    public void close() {
        suspend();
    }

    /** After a failure on the driver: cancels the workers' job without waiting for their round. */
    void abort() {
        Running r = take();
        if (r != null) r.cancel();
    }

    /** The workers of one Spark job: the driver's end of their connections. */
    private final class Running {
        final Task task;
        final ServerSocket server;
        final JavaFutureAction<Void> job;
        final Link[] links = new Link[workers];
        final boolean[] joined = new boolean[workers];
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final List<Link> all = new ArrayList<>();
        final Thread acceptor;
        final Handoff handoff = new Handoff();
        volatile boolean closing;

        Running(ParameterAveragingTrainer.Worker worker, Broadcast<byte[]> template, Broadcast<byte[]> frozen, boolean compact)
                throws IOException {
            String host = jsc.getConf().get("spark.driver.host", InetAddress.getLocalHost().getHostAddress());
            String bind = jsc.getConf().get("spark.driver.bindAddress", host);
            server = new ServerSocket();
            server.setReuseAddress(true); // a fixed port is bound again when the workers start again
            try {
                server.bind(new InetSocketAddress(InetAddress.getByName(bind), port), workers * 2);
            } catch (IOException e) {
                server.close();
                throw new IOException("the driver cannot listen for its resident workers on " + bind + ":" + port
                        + " (reid.distributed.port; 0 = any free port): " + e.getMessage(), e);
            }
            long token = new SecureRandom().nextLong();
            task = new Task(worker, template, frozen, workers, compact, host, server.getLocalPort(), token);
            HANDOFFS.put(token, handoff);
            acceptor = new Thread(this::accept, "reid-resident-workers-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            Task t = task; // the closure takes the task alone, not this
            jsc.setJobDescription("reid: resident workers (" + workers + " tasks, one per worker)");
            try {
                job = shards.foreachPartitionAsync(it -> serve(it, t));
            } finally {
                jsc.setJobDescription(null);
            }
            STARTS.incrementAndGet();
            LOG.info("{} resident workers started (one Spark task each), exchanging rounds with the driver at {}:{}",
                    workers, host, server.getLocalPort());
        }

        private void accept() {
            while (!closing) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                try {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(30_000);
                    DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                    long token = in.readLong();
                    int partition = in.readInt();
                    int attempt = in.readInt();
                    int stageAttempt = in.readInt();
                    if (token != task.token() || partition < 0 || partition >= workers) {
                        LOG.warn("a connection from {} that is not one of this training's workers was refused", s.getRemoteSocketAddress());
                        s.close();
                        continue;
                    }
                    boolean inJvm = in.readBoolean();
                    s.setSoTimeout(0);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                    events.add(new Joined(new Link(partition, attempt, stageAttempt, inJvm, s, in, out)));
                } catch (IOException e) {
                    closeQuietly(s);
                }
            }
        }

        ParameterAveragingTrainer.WorkerResult round(Order order, byte[] values) throws IOException {
            // results are combined in worker order as soon as the workers before them answered (the same sums whatever
            // the order of arrival, and at most the out-of-order results held at once)
            ParameterAveragingTrainer.WorkerResult[] results = new ParameterAveragingTrainer.WorkerResult[workers];
            boolean[] answered = new boolean[workers];
            ParameterAveragingTrainer.WorkerResult combined = null;
            int next = 0;
            int pending = workers;
            handoff.values = new RoundValues(order.round(), values);
            List<Thread> senders = new ArrayList<>(); // one sender per worker: they read and start at the same time
            for (Link link : links) {
                if (link == null) continue;
                Thread t = new Thread(() -> send(link, order, values), "reid-resident-send-" + link.partition);
                t.start();
                senders.add(t);
            }
            for (Thread t : senders) {
                try {
                    t.join();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while sending round " + order.round(), ie);
                }
            }
            long waitingSince = System.nanoTime();
            while (pending > 0) {
                Event e;
                try {
                    e = events.poll(1, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the workers' round " + order.round(), ie);
                }
                if (e == null) {
                    checkJob(order);
                    if (missing() > 0 && (System.nanoTime() - waitingSince) / 1e9 > JOIN_SECONDS) {
                        throw new IOException(missing() + " of " + workers + " resident workers did not connect to the driver within "
                                + JOIN_SECONDS + " s (round " + order.round() + "): are there " + workers
                                + " task slots free, and can the executors reach the driver at " + task.host() + ":"
                                + task.port() + " (reid.distributed.port)? reid.distributed.rounds = jobs runs a Spark job per round instead");
                    }
                    continue;
                }
                if (e instanceof Joined j) {
                    Link old = links[j.link.partition];
                    if (old != null) old.close();
                    links[j.link.partition] = j.link;
                    all.add(j.link);
                    j.link.startReading(events, handoff);
                    boolean again = joined[j.link.partition];
                    joined[j.link.partition] = true;
                    if (!answered[j.link.partition]) send(j.link, order, values);
                    if (again) {
                        LOG.warn("worker {} connected again (task attempt {} of stage attempt {}){}", j.link.partition,
                                j.link.attempt, j.link.stageAttempt,
                                answered[j.link.partition] ? "" : ": it runs round " + order.round() + " again");
                    }
                } else if (e instanceof Reply r) {
                    if (links[r.link.partition] == r.link && !answered[r.link.partition]) {
                        answered[r.link.partition] = true;
                        results[r.link.partition] = r.result;
                        pending--;
                        for (; next < workers && answered[next]; next++) {
                            combined = combined == null ? results[next] : combined.combine(results[next]);
                            results[next] = null;
                        }
                    }
                } else if (e instanceof Lost l) {
                    if (links[l.link.partition] == l.link) {
                        links[l.link.partition] = null;
                        waitingSince = System.nanoTime();
                        LOG.info("worker {}'s connection closed ({}); waiting for Spark to run its task again",
                                l.link.partition, l.cause == null ? "its task ended" : l.cause.getMessage());
                    }
                }
            }
            return combined;
        }

        private int missing() {
            int n = 0;
            for (Link l : links) if (l == null) n++;
            return n;
        }

        /** Fails with the workers' job's error when Spark gave up on it. */
        private void checkJob(Order order) throws IOException {
            if (!job.isDone()) return;
            try {
                job.get();
                throw new IOException("the resident workers' Spark job ended before round " + order.round() + " was answered");
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause() == null ? ex : ex.getCause();
                throw new IOException("the resident workers' Spark job failed in round " + order.round() + ": " + cause.getMessage(), cause);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", ie);
            } catch (java.util.concurrent.CancellationException ce) {
                throw new IOException("the resident workers' Spark job was cancelled before round " + order.round() + " was answered", ce);
            }
        }

        private void send(Link link, Order order, byte[] values) {
            try {
                link.out.writeByte(ROUND);
                link.out.writeInt(order.epoch());
                link.out.writeInt(order.round());
                link.out.writeDouble(order.lrFactor());
                link.out.writeBoolean(order.compact());
                link.out.writeBoolean(order.sync());
                if (link.inJvm) {
                    link.out.writeInt(-1); // the values are in the handoff
                } else {
                    link.out.writeInt(values.length);
                    link.out.write(values);
                }
                link.out.flush();
            } catch (IOException e) {
                link.close(); // its reader reports it lost
            }
        }

        /** Sends every worker the stop and waits for their job; cancels it when they do not end. */
        void stop() {
            closing = true;
            for (Link link : links) {
                if (link == null) continue;
                try {
                    link.out.writeByte(STOP);
                    link.out.flush();
                } catch (IOException ignored) {
                    // its task failed; the job's end below says so
                }
            }
            boolean ended = missing() == 0;
            if (ended) {
                try {
                    job.get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    ended = false;
                    LOG.warn("the resident workers' job did not end cleanly ({}); cancelling it", e.toString());
                }
            }
            if (ended) close();
            else cancel();
        }

        /** Cancels the workers' job (their tasks fail on their closed connections) and closes every connection. */
        void cancel() {
            job.cancel(true);
            close();
        }

        private void close() {
            closing = true;
            HANDOFFS.remove(task.token(), handoff);
            closeQuietly(server);
            for (Link link : all) link.close();
        }
    }

    private sealed interface Event permits Joined, Reply, Lost {
    }

    private record Joined(Link link) implements Event {
    }

    private record Reply(Link link, ParameterAveragingTrainer.WorkerResult result) implements Event {
    }

    private record Lost(Link link, IOException cause) implements Event {
    }

    /** The driver's end of one worker task's connection; its reader thread turns replies into events. */
    private static final class Link {
        final int partition;
        final int attempt;
        final int stageAttempt;
        final boolean inJvm;
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        Link(int partition, int attempt, int stageAttempt, boolean inJvm, Socket socket, DataInputStream in, DataOutputStream out) {
            this.partition = partition;
            this.attempt = attempt;
            this.stageAttempt = stageAttempt;
            this.inJvm = inJvm;
            this.socket = socket;
            this.in = in;
            this.out = out;
        }

        void startReading(BlockingQueue<Event> events, Handoff handoff) {
            Thread t = new Thread(() -> {
                try (ObjectInputStream results = new ObjectInputStream(in)) {
                    while (true) {
                        Object o = results.readObject();
                        ParameterAveragingTrainer.WorkerResult r = o instanceof Receipt receipt
                                ? handoff.results.remove(receipt.id()) : (ParameterAveragingTrainer.WorkerResult) o;
                        if (r == null) throw new IOException("worker " + partition + "'s result handed over in the driver's JVM is not there");
                        events.add(new Reply(this, r));
                    }
                } catch (ClassNotFoundException e) {
                    events.add(new Lost(this, new IOException("a worker's result of an unknown class", e)));
                } catch (EOFException e) {
                    events.add(new Lost(this, null));
                } catch (IOException e) {
                    events.add(new Lost(this, e));
                }
            }, "reid-resident-worker-" + partition);
            t.setDaemon(true);
            t.start();
        }

        void close() {
            closeQuietly(socket);
        }
    }

    /**
     * A worker's long-lived task: connects to the driver, then runs every round it is sent on its shard and its
     * resident state until it is told to stop (its state is then kept for the next run of rounds).
     */
    static void serve(Iterator<Shard> it, Task task) throws IOException {
        int device = TaskGpu.bindTask().device();
        TaskThreads.apply(task.workers());
        Shard shard = it.next();
        TaskContext context = TaskContext.get();
        int partition = context.partitionId();
        int slot = task.compact() ? partition : -1;
        TrainingState resident = ResidentStates.borrow(task.template(), task.frozen(), device, slot);
        try (InputBatches batches = ParameterAveragingTrainer.batches(shard, task.worker());
             Socket socket = connect(task, partition)) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            out.writeLong(task.token());
            out.writeInt(partition);
            out.writeInt(context.attemptNumber());
            out.writeInt(context.stageAttemptNumber());
            Handoff local = HANDOFFS.get(task.token()); // the driver's JVM: values and results by reference
            out.writeBoolean(local != null);
            ObjectOutputStream results = new ObjectOutputStream(out); // results go straight onto the connection
            results.flush();
            while (in.readByte() == ROUND) {
                Order order = new Order(in.readInt(), in.readInt(), in.readDouble(), in.readBoolean(), in.readBoolean());
                int length = in.readInt();
                byte[] values;
                if (length >= 0) {
                    values = new byte[length];
                    in.readFully(values);
                } else {
                    RoundValues v = local == null ? null : local.values;
                    if (v == null || v.round() != order.round()) {
                        throw new IOException("resident worker " + partition + ": round " + order.round() + "'s values are not in the"
                                + " driver's JVM (" + (v == null ? "none" : "round " + v.round() + "'s") + ")");
                    }
                    values = v.bytes();
                }
                ParameterAveragingTrainer.injectFault(task.worker().faultRound(), order.round());
                ParameterAveragingTrainer.WorkerResult result = ParameterAveragingTrainer.workerRound(batches, resident, values, order,
                        task.worker());
                if (local != null && !order.compact()) { // the compact exchange's changes are rounded by their serialization
                    long id = local.receipts.incrementAndGet();
                    local.results.put(id, result);
                    HANDED_OVER.incrementAndGet();
                    results.writeObject(new Receipt(id));
                } else {
                    results.writeObject(result);
                }
                results.reset(); // no back-references from one round's result to the next
                results.flush();
            }
        } catch (SocketException e) {
            throw new IOException("resident worker " + partition + " lost its connection to the driver at " + task.host()
                    + ":" + task.port() + ": " + e.getMessage(), e);
        }
        ResidentStates.release(task.template(), device, slot, resident);
    }

    /** The worker's connection to the driver; a clear error naming the setting when the driver cannot be reached. */
    static Socket connect(Task task, int partition) throws IOException {
        try {
            return new Socket(task.host(), task.port());
        } catch (IOException e) {
            throw new IOException("resident worker " + partition + " cannot reach the driver at " + task.host() + ":"
                    + task.port() + " (" + e.getMessage() + "): the executors must reach the driver's host at that port "
                    + "(reid.distributed.port, 0 = any free port; reid.distributed.rounds = jobs needs no port of its own)", e);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
