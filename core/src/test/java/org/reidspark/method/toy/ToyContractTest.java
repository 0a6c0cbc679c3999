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
        try (java.io.InputStream in = ToyContractTest.class.getClassLoader().getResourceAsStream("methods/toy.conf")) {
            // the conf is a resource of this module's tests (a jar in the jobs module's tests): read it as a file would be
            File conf = java.nio.file.Files.createTempFile("toy", ".conf").toFile();
            conf.deleteOnExit();
            java.nio.file.Files.copy(in, conf.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return ConfigLoader.load(conf, List.of());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
