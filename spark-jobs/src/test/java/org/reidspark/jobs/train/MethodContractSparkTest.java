package org.reidspark.jobs.train;

import com.typesafe.config.Config;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.method.ContractData;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.method.bot.BotContractTest;
import org.reidspark.method.cal.CalContractTest;
import org.reidspark.method.dcr.DcrContractTest;
import org.reidspark.method.dgnet.DgNetContractTest;
import org.reidspark.method.paul.PaulContractTest;
import org.reidspark.method.toy.ToyContractTest;
import org.reidspark.train.AuxState;
import org.reidspark.train.DenseState;
import org.reidspark.train.EpochLoop;
import org.reidspark.train.KeyedState;
import org.reidspark.train.LrSchedule;
import org.reidspark.train.MergeAccumulator;
import org.reidspark.train.TrainConfig;
import org.reidspark.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark half of the method contract, for every registered method: two rounds of parameter averaging with two
 * workers on {@code local[2]} give the parameters and auxiliary state of the local reference (each worker's round run
 * in this JVM by the same code from a full read of the state, then merged), though the executors keep their states
 * resident between rounds and receive only the values; the frozen components go to the executors once per training
 * (read from their broadcast at most once per task slot, whatever the rounds) and the state sent every round leaves
 * them out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MethodContractSparkTest {
    private static final long SEED = 3;
    private static final int STEPS = 2;
    private SparkSession spark;
    private JavaSparkContext jsc;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("method-contract").config("spark.ui.enabled", false).getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    void stop() {
        if (spark != null) spark.stop();
    }

    /** A method of {@code config} on the contract's data: 8 identities, two shards cached on local[2]. */
    private record Setup(Method method, ContractData d, TrainingData data, TrainingState initial, JavaRDD<Shard> shards) {
    }

    private Setup setup(Config config) {
        Method method = Methods.of(config);
        InputConfig input = InputConfig.from(config);
        int h = input.height();
        int w = input.width();
        ContractData d = new ContractData(8, h, w);
        TrainingData data = TrainingData.of(d.manifest());
        JavaRDD<Shard> shards = jsc.parallelize(List.of(0, 1), 2).map(i -> new ContractData(8, h, w).trainShard(i, 2)).cache();
        return new Setup(method, d, data, method.initialize(data, SEED, null), shards);
    }

    /** Every network's parameters, every auxiliary state and the position of {@code actual} are {@code expected}'s (1e-5). */
    private static void assertSameState(String what, TrainingState expected, TrainingState actual) {
        for (String n : expected.networks().names()) {
            assertTrue(expected.network(n).params().equalsWithEps(actual.network(n).params(), 1e-5), what + ": network " + n);
        }
        for (Map.Entry<String, AuxState> e : expected.aux().entrySet()) {
            if (e.getValue() instanceof DenseState ds) {
                assertTrue(ds.value().equalsWithEps(actual.dense(e.getKey()).value(), 1e-5), what + ": " + e.getKey());
            } else if (e.getValue() instanceof KeyedState k) {
                assertTrue(k.rows().equalsWithEps(actual.keyed(e.getKey()).rows(), 1e-5), what + ": " + e.getKey());
            }
        }
        assertEquals(expected.iteration(), actual.iteration(), what + ": iteration");
    }

    static Stream<Arguments> methods() {
        return Stream.of(Arguments.of("bot", BotContractTest.tiny()), Arguments.of("toy", ToyContractTest.tiny()),
                Arguments.of("cal", CalContractTest.tiny()),
                Arguments.of("dcr", DcrContractTest.tiny()), Arguments.of("dgnet", DgNetContractTest.tiny()),
                Arguments.of("paul", PaulContractTest.tiny()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void twoWorkersOnLocalSparkGiveTheLocalReference(String name, Config config) throws Exception {
        Setup setup = setup(config);
        Method method = setup.method();
        ContractData d = setup.d();
        TrainingData data = setup.data();
        TrainingState initial = setup.initial();
        JavaRDD<Shard> shards = setup.shards();

        TrainConfig train = new TrainConfig(1, 1, 1, 0, new LrSchedule("warmup-multistep", 0, 1.0, List.of(), 0.1, 0));
        LoaderConfig loader = new LoaderConfig(1, 2);
        ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, train,
                new DistributedConfig(2, STEPS, "none", -1), loader, null, null);
        TrainingState distributed = initial.copy();
        long readsBefore = ResidentStates.frozenReads();
        long buildsBefore = ResidentStates.builds();
        List<EpochLoop.EpochRecord> curve = trainer.train(method, data, SEED, distributed, shards, 2 * STEPS);
        long reads = ResidentStates.frozenReads() - readsBefore;
        long builds = ResidentStates.builds() - buildsBefore;
        assertEquals(1, curve.size());
        assertEquals(2L * 2 * STEPS * method.trainingInputs().sampling().batchSize(),
                Math.round(curve.get(0).imagesPerSecond() * curve.get(0).seconds()), "two rounds of two workers");

        // the local reference: every worker's round in this JVM, merged by the same rules
        TrainingState reference = initial.copy();
        ParameterAveragingTrainer.Worker worker = new ParameterAveragingTrainer.Worker(method, data, SEED, 1, 2 * STEPS, STEPS,
                loader, -1);
        for (int round = 0; round < 2; round++) {
            byte[] bytes = reference.toBytes(TrainingState.Part.TRAINABLE);
            MergeAccumulator acc = new MergeAccumulator();
            for (int s = 0; s < 2; s++) {
                TrainingState frozen = reference.hasFrozen()
                        ? TrainingState.read(new ByteArrayInputStream(reference.toBytes(TrainingState.Part.FROZEN))) : null;
                acc.combine(ParameterAveragingTrainer.runRound(d.trainShard(s, 2), bytes, frozen, worker, 0, round, 1.0).states());
            }
            acc.applyTo(reference);
        }
        assertSameState(name + ": on Spark against the local reference", reference, distributed);

        // frozen components: sent once, read at most once per task slot, never in a round's state
        long frozenBytes = initial.hasFrozen() ? initial.toBytes(TrainingState.Part.FROZEN).length : 0;
        assertEquals(frozenBytes, trainer.frozenBytes(), name);
        assertTrue(reads <= 2, name + ": the frozen part was read " + reads + " times for 2 rounds x 2 workers");
        assertEquals(initial.hasFrozen() ? 1 : 0, Math.min(1, reads), name);
        long round = curve.get(0).broadcastBytes();
        assertEquals(org.reidspark.train.StateValues.encode(distributed).length, round,
                name + ": a round sends the values of the trainable part (as large as the final state's)");
        assertTrue(builds <= 2, name + ": the executors built their resident state " + builds + " times for 2 rounds x 2 workers");
        assertTrue(builds >= 1, name);
        if (initial.hasFrozen()) {
            assertTrue(round + frozenBytes / 2 < distributed.toBytes().length,
                    name + ": the round's " + round + " bytes leave out the frozen " + frozenBytes);
        }
        shards.unpersist();
    }

    /**
     * The compact exchange ({@code reid.distributed.exchange = compact}) for every method: two rounds with two workers on
     * {@code local[2]} give the local reference in which each worker keeps its own copy of the state (and so its own
     * optimizer state) between rounds, takes the round's parameters and returns its change in half precision; a round
     * sends no optimizer state, and the workers' optimizer states differ from each other.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void compactExchangeGivesItsLocalReference(String name, Config config) throws Exception {
        Setup setup = setup(config);
        Method method = setup.method();
        ContractData d = setup.d();
        TrainingData data = setup.data();
        TrainingState initial = setup.initial();
        JavaRDD<Shard> shards = setup.shards();
        TrainConfig train = new TrainConfig(1, 1, 1, 0, new LrSchedule("warmup-multistep", 0, 1.0, List.of(), 0.1, 0));
        LoaderConfig loader = new LoaderConfig(1, 2);
        TrainingState distributed = initial.copy();
        List<EpochLoop.EpochRecord> curve;
        try (ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, train,
                new DistributedConfig(2, STEPS, "none", -1, "compact", 0), loader, null, null)) {
            curve = trainer.train(method, data, SEED, distributed, shards, 2 * STEPS);
        }

        TrainingState reference = initial.copy();
        ParameterAveragingTrainer.Worker worker = new ParameterAveragingTrainer.Worker(method, data, SEED, 1, 2 * STEPS, STEPS,
                loader, -1);
        byte[] template = reference.toBytes(TrainingState.Part.TRAINABLE);
        List<TrainingState> own = new java.util.ArrayList<>();
        for (int s = 0; s < 2; s++) {
            TrainingState mine = TrainingState.read(new ByteArrayInputStream(template));
            if (reference.hasFrozen()) mine.attach(TrainingState.read(new ByteArrayInputStream(reference.toBytes(TrainingState.Part.FROZEN))));
            own.add(mine);
        }
        for (int round = 0; round < 2; round++) {
            byte[] values = org.reidspark.train.StateValues.encode(reference, false);
            MergeAccumulator acc = new MergeAccumulator();
            for (int s = 0; s < 2; s++) {
                org.reidspark.train.StateValues.assign(values, own.get(s));
                var base = org.reidspark.train.StateValues.snapshot(own.get(s));
                MergeAccumulator change = ParameterAveragingTrainer.runRound(d.trainShard(s, 2), own.get(s), base, worker, 0,
                        round, 1.0).states();
                acc.combine(org.apache.commons.lang3.SerializationUtils.roundtrip(change)); // half precision, as a task result travels
            }
            acc.applyTo(reference);
        }
        assertSameState(name + ": on Spark against the compact local reference", reference, distributed);
        for (String n : reference.trainedNetworks().keySet()) {
            assertTrue(!reference.network(n).params().equalsWithEps(initial.network(n).params(), 1e-6), name + ": it trained");
            var m0 = own.get(0).network(n).getUpdater().getStateViewArray();
            var m1 = own.get(1).network(n).getUpdater().getStateViewArray();
            if (m0 != null && m0.length() > 0) {
                assertTrue(!m0.equalsWithEps(m1, 1e-6), name + ": each worker keeps an optimizer state of its own");
            }
        }
        assertEquals(org.reidspark.train.StateValues.encode(distributed, false).length, curve.get(0).broadcastBytes(),
                name + ": a round sends the values without the optimizer state");
        assertTrue(curve.get(0).broadcastBytes() < org.reidspark.train.StateValues.encode(distributed).length, name);
        shards.unpersist();
    }

    /**
     * The compact exchange with the workers' optimizer states averaged every round ({@code optimizer-every = 1}) is the
     * full exchange: each round's whole states come back, and the next round sends the averaged optimizer state out.
     * With them averaged every other round it is neither (the test would catch a sync that did nothing).
     */
    @org.junit.jupiter.api.Test
    void compactWithTheOptimizerAveragedEveryRoundIsTheFullExchange() throws Exception {
        Config config = BotContractTest.tiny();
        Setup setup = setup(config);
        Method method = setup.method();
        ContractData d = setup.d();
        TrainingData data = setup.data();
        TrainingState initial = setup.initial();
        JavaRDD<Shard> shards = setup.shards();
        TrainConfig train = new TrainConfig(1, 1, 1, 0, new LrSchedule("warmup-multistep", 0, 1.0, List.of(), 0.1, 0));
        Map<String, TrainingState> out = new java.util.LinkedHashMap<>();
        for (String setting : List.of("full", "compact-1", "compact-2", "compact-0")) {
            TrainingState s = initial.copy();
            DistributedConfig dc = setting.equals("full") ? new DistributedConfig(2, 1, "none", -1)
                    : new DistributedConfig(2, 1, "none", -1, "compact", Integer.parseInt(setting.substring(8)));
            try (ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, train, dc, new LoaderConfig(1, 2), null, null)) {
                trainer.train(method, data, SEED, s, shards, 4); // four rounds of one step
            }
            out.put(setting, s);
        }
        var full = out.get("full").network("reid").params();
        assertTrue(full.equalsWithEps(out.get("compact-1").network("reid").params(), 1e-5), "optimizer averaged every round = full");
        assertTrue(!full.equalsWithEps(out.get("compact-2").network("reid").params(), 1e-5), "every other round is not full");
        assertTrue(!out.get("compact-2").network("reid").params().equalsWithEps(out.get("compact-0").network("reid").params(), 1e-5),
                "every other round is not never");
        shards.unpersist();
    }

    /**
     * Resident workers ({@code reid.distributed.rounds = resident}, {@link ResidentWorkers}) and a Spark job per round
     * give the same state over two epochs of two rounds; a Spark job the driver runs between epochs (the periodic
     * evaluation here, which on {@code local[2]} needs the two slots the workers hold) runs because the workers stop
     * for it, and they start again for the next epoch's rounds (on the same fixed port). Connections without the
     * training's token are refused. Three workers on two slots run a job per round; a port in use fails clearly.
     */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Timeout(300) // an evaluation waiting for the slots the workers hold would wait for ever
    void residentWorkersGiveTheRoundJobsStateAndMakeWayForTheDriversSparkJobs() throws Exception {
        Setup setup = setup(BotContractTest.tiny());
        TrainConfig train = new TrainConfig(2, 1, 1, 1, new LrSchedule("warmup-multistep", 0, 1.0, List.of(), 0.1, 0));
        Map<String, TrainingState> out = new java.util.LinkedHashMap<>();
        Map<String, Integer> starts = new java.util.LinkedHashMap<>();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        for (String rounds : List.of("jobs", "resident")) {
            TrainingState s = setup.initial().copy();
            List<Long> counted = new java.util.ArrayList<>();
            EpochLoop.Evaluator evaluator = (state, epoch) -> {
                counted.add(jsc.parallelize(List.of(1, 2, 3, 4), 2).map(x -> x * 2).count());
                return Map.of("count", (double) counted.get(counted.size() - 1));
            };
            int before = ResidentWorkers.starts();
            int handedBefore = ResidentWorkers.handedOver();
            // resident: a fixed port, bound again when the workers start again after the evaluation
            DistributedConfig dc = new DistributedConfig(2, STEPS, "none", -1, "full", 0, rounds, port);
            // meanwhile a stranger keeps connecting to the workers' port with a wrong token: refused, the rounds go on
            java.util.concurrent.atomic.AtomicBoolean trained = new java.util.concurrent.atomic.AtomicBoolean();
            Thread stranger = new Thread(() -> {
                while (!trained.get()) {
                    try (java.net.Socket x = new java.net.Socket(jsc.getConf().get("spark.driver.host"), port)) {
                        java.io.DataOutputStream o = new java.io.DataOutputStream(x.getOutputStream());
                        o.writeLong(42);
                        o.writeInt(0);
                        o.writeInt(0);
                        o.writeInt(0);
                        o.flush();
                        x.setSoTimeout(10_000);
                        if (x.getInputStream().read() == -1) refused.incrementAndGet();
                    } catch (java.io.IOException notListening) {
                        // between runs of rounds
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            if (rounds.equals("resident")) stranger.start();
            try (ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, train, dc, new LoaderConfig(1, 2), null, evaluator)) {
                List<EpochLoop.EpochRecord> curve = trainer.train(setup.method(), setup.data(), SEED, s, setup.shards(), 2 * STEPS);
                assertEquals(2, curve.size(), rounds);
                assertEquals(4.0, curve.get(1).metrics().get("count"), rounds + ": the evaluation's Spark job ran");
            } finally {
                trained.set(true);
                stranger.join();
            }
            assertEquals(List.of(4L, 4L), counted, rounds);
            starts.put(rounds, ResidentWorkers.starts() - before);
            // local[2]: the workers run in the driver's JVM and take every round by reference (2 workers x 4 rounds)
            assertEquals(rounds.equals("resident") ? 8 : 0, ResidentWorkers.handedOver() - handedBefore, rounds);
            out.put(rounds, s);
        }
        assertEquals(Map.of("jobs", 0, "resident", 2), starts, "the resident workers stopped for the evaluation and started again");
        assertSameState("resident workers against a Spark job per round", out.get("jobs"), out.get("resident"));
        assertTrue(refused.get() > 0, "the stranger's connections were refused: " + refused.get());
        setup.shards().unpersist();

        // three workers on local[2]'s two slots: a Spark job per round instead (resident workers would wait for ever)
        InputConfig input = InputConfig.from(BotContractTest.tiny());
        int h = input.height();
        int w = input.width();
        JavaRDD<Shard> three = jsc.parallelize(List.of(0, 1, 2), 3).map(i -> new ContractData(12, h, w).trainShard(i, 3)).cache();
        TrainingData twelve = TrainingData.of(new ContractData(12, h, w).manifest());
        int before = ResidentWorkers.starts();
        TrainConfig one = new TrainConfig(1, 1, 1, 0, new LrSchedule("warmup-multistep", 0, 1.0, List.of(), 0.1, 0));
        try (ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, one,
                new DistributedConfig(3, STEPS, "none", -1), new LoaderConfig(1, 2), null, null)) {
            assertEquals(1, trainer.train(setup.method(), twelve, SEED, setup.method().initialize(twelve, SEED, null), three,
                    2 * STEPS).size());
        }
        assertEquals(before, ResidentWorkers.starts(), "3 workers do not fit local[2]'s slots");
        three.unpersist();

        RuntimeException bad = org.junit.jupiter.api.Assertions.assertThrows(org.reidspark.config.ConfigError.class,
                () -> new DistributedConfig(2, 1, "none", -1).withRounds("resident-workers"));
        assertTrue(bad.getMessage().contains("reid.distributed.rounds") && bad.getMessage().contains("jobs"), bad.getMessage());
        bad = org.junit.jupiter.api.Assertions.assertThrows(org.reidspark.config.ConfigError.class,
                () -> new DistributedConfig(2, 1, "none", -1, "full", 0, "resident", 70000));
        assertTrue(bad.getMessage().contains("reid.distributed.port"), bad.getMessage());

        // a port another process holds: a clear error naming the setting, the driver's state untouched
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0);
             ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, one,
                     new DistributedConfig(2, STEPS, "none", -1, "full", 0, "resident", taken.getLocalPort()),
                     new LoaderConfig(1, 2), null, null)) {
            Setup again = setup(BotContractTest.tiny());
            TrainingState s = again.initial().copy();
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> trainer.train(again.method(), again.data(), SEED, s, again.shards(), 2 * STEPS));
            assertTrue(e.getMessage().contains("reid.distributed.port") && e.getMessage().contains(":" + taken.getLocalPort()),
                    e.getMessage());
            assertTrue(s.network("reid").params().equalsWithEps(again.initial().network("reid").params(), 0), "untouched");
            again.shards().unpersist();
        }
    }

    /**
     * A step's work before an epoch runs on the driver with the merged state and reaches the workers: PAUL's global
     * negatives ({@code reid.paul.ipfl.negatives = global}), mined over the image memory that epoch 0 filled, are in the
     * state the workers train epoch 1 with; two epochs on Spark give the local reference that mines between the epochs
     * itself, and the negatives survive the merge unchanged (no worker writes them). With {@code ipfl.driver-limit = 0}
     * the neighbours are searched on the executors ({@link org.reidspark.jobs.mine.SparkNeighbourSearch}) and the
     * negatives are still the reference's, mined in one JVM.
     */
    @ParameterizedTest(name = "driver-limit {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {20000, 0})
    void paulsGlobalNegativesAreMinedOnTheDriverBetweenEpochsAndReachTheWorkers(int driverLimit) throws Exception {
        Config config = PaulContractTest.tiny().withValue("reid.paul.ipfl.negatives",
                com.typesafe.config.ConfigValueFactory.fromAnyRef("global"))
                .withValue("reid.paul.ipfl.driver-limit", com.typesafe.config.ConfigValueFactory.fromAnyRef(driverLimit));
        Setup setup = setup(config);
        Method method = setup.method();
        ContractData d = setup.d();
        TrainingData data = setup.data();
        TrainingState initial = setup.initial();
        JavaRDD<Shard> shards = setup.shards();
        TrainConfig train = new TrainConfig(2, 1, 1, 0, new LrSchedule("warmup-multistep", 0, 1.0, List.of(), 0.1, 0));
        LoaderConfig loader = new LoaderConfig(1, 2);
        TrainingState distributed = initial.copy();
        new ParameterAveragingTrainer(jsc, train, new DistributedConfig(2, STEPS, "none", -1), loader, null, null)
                .train(method, data, SEED, distributed, shards, 2 * STEPS);

        TrainingState reference = initial.copy();
        ParameterAveragingTrainer.Worker worker = new ParameterAveragingTrainer.Worker(method, data, SEED, 2, 2 * STEPS, STEPS,
                loader, -1);
        org.reidspark.train.Step driver = method.step(data, SEED);
        KeyedState mined = null;
        for (int epoch = 0; epoch < 2; epoch++) {
            driver.startEpoch(reference, epoch);
            if (epoch == 0) {
                assertTrue(!reference.aux().containsKey(org.reidspark.method.paul.GlobalNegatives.STATE), "nothing to mine before epoch 0");
            } else {
                mined = reference.keyed(org.reidspark.method.paul.GlobalNegatives.STATE).copy();
            }
            for (int r = 0; r < 2; r++) {
                byte[] bytes = reference.toBytes(TrainingState.Part.TRAINABLE);
                MergeAccumulator acc = new MergeAccumulator();
                for (int s = 0; s < 2; s++) {
                    acc.combine(ParameterAveragingTrainer.runRound(d.trainShard(s, 2), bytes, null, worker, epoch, epoch * 2 + r, 1.0).states());
                }
                acc.applyTo(reference);
            }
        }
        int found = 0;
        for (double v : mined.rows().toDoubleVector()) if (v >= 0) found++;
        assertTrue(found > 0, "epoch 0 filled the memory and the driver mined negatives from it");
        KeyedState onSpark = distributed.keyed(org.reidspark.method.paul.GlobalNegatives.STATE);
        assertEquals(mined.rows(), onSpark.rows(), "the negatives the driver mined, kept through the merges");
        assertEquals(mined.rows(), reference.keyed(org.reidspark.method.paul.GlobalNegatives.STATE).rows());
        assertTrue(reference.network(org.reidspark.method.paul.PaulMethod.NETWORK).params()
                .equalsWithEps(distributed.network(org.reidspark.method.paul.PaulMethod.NETWORK).params(), 1e-5),
                "epoch 1 on Spark trained with the negatives the reference used");
        shards.unpersist();
    }

    /** The contexts the steps of {@link Probe} saw (the executors are threads of this JVM on local[2]). */
    private static final java.util.Queue<org.reidspark.train.StepContext> SEEN = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A method that is BoT, but whose steps record their context. */
    record Probe(Method inner) implements Method {
        @Override
        public String name() {
            return "probe";
        }

        @Override
        public org.reidspark.method.MethodConfig config() {
            return inner.config();
        }

        @Override
        public org.reidspark.data.batch.TrainingInputs trainingInputs() {
            return inner.trainingInputs();
        }

        @Override
        public TrainingState initialize(TrainingData data, long seed, org.reidspark.artifact.Storage storage) {
            return inner.initialize(data, seed, storage);
        }

        @Override
        public org.reidspark.train.Step step(TrainingData data, long seed) {
            org.reidspark.train.Step step = inner.step(data, seed);
            return (batch, state, context) -> {
                SEEN.add(context);
                return step.apply(batch, state, context);
            };
        }

        @Override
        public org.reidspark.train.LearningRates learningRates() {
            return inner.learningRates();
        }

        @Override
        public org.reidspark.embed.TestNetwork testNetwork(org.reidspark.train.NetworkSet networks) {
            return inner.testNetwork(networks);
        }
    }

    @org.junit.jupiter.api.Test
    void stepsOnTheExecutorsSeeTheRealScheduleAndProgress() throws Exception {
        Config config = BotContractTest.tiny();
        InputConfig input = InputConfig.from(config);
        int h = input.height();
        int w = input.width();
        ContractData d = new ContractData(8, h, w);
        TrainingData data = TrainingData.of(d.manifest());
        Method probe = new Probe(Methods.of(config));
        JavaRDD<Shard> shards = jsc.parallelize(List.of(0, 1), 2).map(i -> new ContractData(8, h, w).trainShard(i, 2));
        TrainConfig train = new TrainConfig(2, 1, 1, 0, new LrSchedule("warmup-multistep", 1, 0.5, List.of(), 0.1, 0));
        SEEN.clear();
        new ParameterAveragingTrainer(jsc, train, new DistributedConfig(2, STEPS, "none", -1), new LoaderConfig(1, 2), null, null)
                .train(probe, data, SEED, probe.initialize(data, SEED, null), shards, 2 * STEPS);
        List<org.reidspark.train.StepContext> seen = List.copyOf(SEEN);
        assertEquals(2 * 2 * 2 * STEPS, seen.size(), "2 epochs x 2 rounds x 2 workers x 2 steps");
        for (org.reidspark.train.StepContext c : seen) {
            assertEquals(2, c.epochs(), "the run's epochs, on every executor");
            assertEquals(2 * STEPS, c.stepsPerEpoch());
            assertEquals(c.epoch() == 0 ? 0.5 : 1.0, c.lrFactor(), 1e-12, "warm-up factor of the epoch");
            assertEquals((double) c.iteration() / (2 * 2 * STEPS), c.progress(), 1e-12);
        }
        assertEquals(0.0, seen.stream().mapToDouble(org.reidspark.train.StepContext::progress).min().orElseThrow(), 0);
        assertEquals(7.0 / 8, seen.stream().mapToDouble(org.reidspark.train.StepContext::progress).max().orElseThrow(), 1e-12);
        assertEquals(seen.size(), seen.stream().mapToLong(org.reidspark.train.StepContext::seed).distinct().count(),
                "every step of every worker has its own seed");
    }
}
