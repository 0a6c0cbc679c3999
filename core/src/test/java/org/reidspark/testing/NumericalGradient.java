package org.reidspark.testing;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.ToDoubleFunction;

/**
 * Central-difference gradient checks in double precision, with DL4J GradientCheckUtil's error measure: relative
 * error {@code |a - n| / (|a| + |n|)}, failing above {@code maxRelError} unless the absolute error is below
 * {@code minAbsError}.
 */
public final class NumericalGradient {
    public static final double EPS = 1e-6;
    public static final double MAX_REL_ERROR = 1e-5;
    public static final double MIN_ABS_ERROR = 1e-8;

    private static DataType savedDefault;
    private static DataType savedFloat;
    private static int savedThreads;

    private NumericalGradient() {
    }

    /** Switches ND4J's default types to DOUBLE (call from {@code @BeforeAll}); {@link #restoreTypes} undoes it. */
    public static void useDouble() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        savedThreads = Nd4j.getEnvironment().maxThreads();
        Nd4j.getEnvironment().setMaxThreads(1);
    }

    public static void restoreTypes() {
        if (savedDefault != null) Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
        if (savedThreads > 0) Nd4j.getEnvironment().setMaxThreads(savedThreads);
    }

    /**
     * {@code @ExtendWith(NumericalGradient.DoublePrecision.class)}: a test class runs with {@link #useDouble} and is
     * followed by {@link #restoreTypes}.
     */
    public static final class DoublePrecision implements org.junit.jupiter.api.extension.BeforeAllCallback,
            org.junit.jupiter.api.extension.AfterAllCallback {
        @Override
        public void beforeAll(org.junit.jupiter.api.extension.ExtensionContext context) {
            useDouble();
        }

        @Override
        public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) {
            restoreTypes();
        }
    }

    /** Outcome of a check. */
    public record Report(int checked, int failures, double maxRelError, String firstFailure) {
        public boolean passed() {
            return failures == 0 && checked > 0;
        }

        @Override
        public String toString() {
            return checked + " checked, " + failures + " failed, max relative error " + maxRelError
                    + (firstFailure == null ? "" : "; first failure: " + firstFailure);
        }
    }

    /** Checks every element of {@code x}. */
    public static Report check(ToDoubleFunction<INDArray> f, INDArray x, INDArray analytic) {
        return check(f, x, analytic, 0, 1);
    }

    /**
     * Checks elements {@code start, start + step, start + 2*step, ...} of {@code x} (linear index in x's ordering), perturbing {@code x} in place by
     * {@code +-EPS} and restoring it.
     *
     * @param f        the loss as a function of the current contents of {@code x}
     * @param analytic the gradient claimed for {@code x}, same shape
     */
    public static Report check(ToDoubleFunction<INDArray> f, INDArray x, INDArray analytic, long start, long step) {
        if (x.dataType() != DataType.DOUBLE) throw new IllegalStateException("gradient checks need DOUBLE, got " + x.dataType());
        if (x.length() != analytic.length()) throw new IllegalArgumentException("gradient has " + analytic.length() + " elements, x " + x.length());
        if (!java.util.Arrays.equals(x.shape(), analytic.shape())) {
            throw new IllegalArgumentException("gradient shape " + java.util.Arrays.toString(analytic.shape())
                    + " differs from x's " + java.util.Arrays.toString(x.shape()));
        }
        // ND4J's linear index follows the array's ordering: give both arrays the same one
        INDArray flat = x;
        INDArray a = analytic.ordering() == x.ordering() ? analytic : analytic.dup(x.ordering());
        int checked = 0;
        int failures = 0;
        double maxRel = 0;
        String first = null;
        for (long i = start; i < flat.length(); i += step) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + EPS);
            double plus = f.applyAsDouble(x);
            flat.putScalar(i, orig - EPS);
            double minus = f.applyAsDouble(x);
            flat.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * EPS);
            double backprop = a.getDouble(i);
            double abs = Math.abs(backprop - numeric);
            double rel = (backprop == 0 && numeric == 0) ? 0 : abs / (Math.abs(backprop) + Math.abs(numeric));
            checked++;
            if (rel > MAX_REL_ERROR && abs >= MIN_ABS_ERROR || Double.isNaN(rel)) {
                failures++;
                if (first == null) first = "element " + i + ": analytic " + backprop + ", numerical " + numeric;
            }
            if (abs >= MIN_ABS_ERROR) maxRel = Math.max(maxRel, rel);
        }
        return new Report(checked, failures, maxRel, first);
    }
}
