package org.reidspark.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A resident state that takes a round's values is the state a full read would give: the trainer's executors keep
 * their states between rounds and receive only {@link StateValues}.
 */
class StateValuesTest {
    @Test
    void valuesIntoAStateThatTrainedElsewhereGiveTheStateAFullReadGives() throws Exception {
        TrainingState driver = TrainingStateTest.state(1);
        TrainingStateTest.fitOnce(driver.network("net"), 5);
        // the executor's resident copy: read from the template, then trained a round of its own (other values, counters, marks)
        TrainingState resident = TrainingState.read(new ByteArrayInputStream(driver.toBytes(TrainingState.Part.TRAINABLE)));
        resident.attach(TrainingState.read(new ByteArrayInputStream(driver.toBytes(TrainingState.Part.FROZEN))));
        TrainingStateTest.fitOnce(resident.network("net"), 6);
        TrainingStateTest.fitOnce(resident.network("net"), 7);
        resident.dense("centers").value().addi(1);
        resident.keyed("bank").put(10, Nd4j.createFromArray(5f, 5f));
        resident.setPosition(4, 40);
        // the driver moves on: merged values, a touched row, a position
        TrainingStateTest.fitOnce(driver.network("net"), 8);
        driver.dense("centers").value().muli(2);
        driver.keyed("bank").put(30, Nd4j.createFromArray(1f, 2f));
        driver.setPosition(2, 11);
        assertNotEquals(driver.network("net").params(), resident.network("net").params());

        StateValues.assign(StateValues.encode(driver), resident);
        TrainingState full = TrainingState.read(new ByteArrayInputStream(driver.toBytes(TrainingState.Part.TRAINABLE)));
        assertEquals(full.network("net").params(), resident.network("net").params());
        assertEquals(full.network("net").getUpdater().getStateViewArray(), resident.network("net").getUpdater().getStateViewArray());
        assertEquals(full.network("net").getIterationCount(), resident.network("net").getIterationCount());
        assertEquals(driver.network("net").getIterationCount(), resident.network("net").getIterationCount());
        assertEquals(full.dense("centers").value(), resident.dense("centers").value());
        assertEquals(full.keyed("bank").rows(), resident.keyed("bank").rows());
        assertFalse(resident.keyed("bank").touched(0), "the resident's own mark is gone");
        assertTrue(resident.keyed("bank").touched(2), "the driver's mark came with the values");
        assertEquals(2, resident.epoch());
        assertEquals(11, resident.iteration());
        assertEquals(TrainingStateTest.state(1).dense("teacher").value(), resident.dense("teacher").value(),
                "frozen components are not in the values and stay as attached");
        // and both continue training alike
        TrainingStateTest.fitOnce(full.network("net"), 9);
        TrainingStateTest.fitOnce(resident.network("net"), 9);
        assertEquals(full.network("net").params(), resident.network("net").params());
    }

    @Test
    void valuesOfAnotherLayoutAreRefusedNamingBoth() {
        TrainingState a = TrainingStateTest.state(1);
        TrainingState b = TrainingStateTest.state(1);
        b.putAux("negatives", new KeyedState(new long[]{1, 2}, Nd4j.zeros(2, 4)));
        assertNotEquals(StateValues.layout(a), StateValues.layout(b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateValues.assign(StateValues.encode(b), a));
        assertTrue(e.getMessage().contains("keyed negatives [2, 4]"), e.getMessage());
        assertEquals(StateValues.layout(a), StateValues.layout(TrainingStateTest.state(2)), "the layout is the structure, not the numbers");
        assertThrows(IllegalArgumentException.class, () -> StateValues.assign(new byte[]{0, 0, 0, 1, 0, 0}, a));
    }
}
