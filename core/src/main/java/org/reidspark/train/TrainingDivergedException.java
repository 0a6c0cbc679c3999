package org.reidspark.train;

/** A loss became NaN or infinite; training stopped and the last good checkpoint was kept. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
