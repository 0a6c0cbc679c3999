package org.reidspark.method.toy;

import com.typesafe.config.Config;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.MethodContract;
import org.reidspark.method.Methods;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The toy method passes the method contract, by config alone once registered. */
public class ToyContractTest extends MethodContract {
    @BeforeAll
    static void register() {
        ToyMethod.register();
    }

    /** The toy's recipe ({@code methods/toy.conf} on the test classpath) as an experiment would include it. */
    public static Config tiny() {
        ToyMethod.register();
        File conf = new File(ToyContractTest.class.getClassLoader().getResource("methods/toy.conf").getFile());
        return ConfigLoader.load(conf, List.of());
    }

    @Override
    protected Config config() {
        return tiny();
    }

    @Test
    void itsConfigIsValidatedWhenTheMethodIsMade() {
        assertEquals("toy", Methods.of(tiny()).name());
        ConfigError e = assertThrows(ConfigError.class, () -> Methods.of(ConfigLoader.load(List.of("reid.method=toy",
                "reid.toy.bank-momentum=2"))));
        assertTrue(e.getMessage().contains("reid.toy.bank-momentum"), e.getMessage());
        assertTrue(Methods.names().contains("toy"), Methods.names().toString());
    }
}
