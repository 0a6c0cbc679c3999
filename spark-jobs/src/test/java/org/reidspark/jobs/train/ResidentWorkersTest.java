package org.reidspark.jobs.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a resident worker says when it cannot reach the driver (the rest: MethodContractSparkTest, TrainJobTest). */
class ResidentWorkersTest {
    @Test
    void aDriverPortTheWorkerCannotReachIsAClearErrorNamingTheSetting() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // free again once closed: nothing listens there
        }
        ResidentWorkers.Task task = new ResidentWorkers.Task(null, null, null, 2, false, "127.0.0.1", closed, 1L);
        IOException e = assertThrows(IOException.class, () -> ResidentWorkers.connect(task, 1));
        assertTrue(e.getMessage().contains("resident worker 1 cannot reach the driver at 127.0.0.1:" + closed)
                && e.getMessage().contains("reid.distributed.port") && e.getMessage().contains("reid.distributed.rounds = jobs"),
                e.getMessage());
    }
}
