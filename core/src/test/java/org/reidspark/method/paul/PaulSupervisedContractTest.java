package org.reidspark.method.paul;

import com.typesafe.config.Config;

/** PAUL's supervised pre-training passes the method contract (P3 x K2 batches, per-patch classifiers). */
public class PaulSupervisedContractTest extends org.reidspark.method.MethodContract {
    @Override
    protected Config config() {
        return PaulContractTest.tiny("supervised");
    }
}
