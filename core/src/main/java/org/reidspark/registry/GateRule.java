package org.reidspark.registry;

import org.reidspark.config.Check;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * When a candidate replaces the champion: both are evaluated on the same pinned holdout with the same protocol, and the
 * candidate passes when its mAP is at least the champion's less {@code mapTolerance} and its Rank-1 at least the
 * champion's less {@code rank1Margin}. Without a champion the candidate always passes.
 *
 * @param mapTolerance how much lower than the champion's the candidate's mAP may be (0 = not lower), in [0, 1]
 * @param rank1Margin  how much lower than the champion's the candidate's Rank-1 may be (0 = not lower), in [0, 1]
 */
public record GateRule(double mapTolerance, double rank1Margin) {
    public GateRule {
        Check.inRange("reid.retrain.gate.map-tolerance", mapTolerance, 0, 1);
        Check.inRange("reid.retrain.gate.rank1-margin", rank1Margin, 0, 1);
    }

    /** The two figures the rule compares. */
    public record Scores(double mAP, double rank1) {
    }

    /**
     * The outcome.
     *
     * @param promote whether the candidate passes
     * @param reason  one sentence with the figures compared
     */
    public record Decision(boolean promote, String reason) {
    }

    /** The rule applied to {@code candidate} against {@code champion} (null: there is none). */
    public Decision decide(Scores candidate, Scores champion) {
        if (champion == null) {
            return new Decision(true, String.format(Locale.ROOT, "no champion yet: the first candidate is promoted (mAP %.4f,"
                    + " Rank-1 %.4f)", candidate.mAP(), candidate.rank1()));
        }
        double minMap = champion.mAP() - mapTolerance;
        double minRank1 = champion.rank1() - rank1Margin;
        boolean mapOk = candidate.mAP() >= minMap;
        boolean rank1Ok = candidate.rank1() >= minRank1;
        String figures = String.format(Locale.ROOT, "mAP %.4f against the champion's %.4f (at least %.4f needed), Rank-1 %.4f"
                        + " against %.4f (at least %.4f needed)", candidate.mAP(), champion.mAP(), minMap, candidate.rank1(),
                champion.rank1(), minRank1);
        if (mapOk && rank1Ok) return new Decision(true, "passes the gate: " + figures);
        String failed = !mapOk && !rank1Ok ? "mAP and Rank-1 are" : !mapOk ? "mAP is" : "Rank-1 is";
        return new Decision(false, "rejected: " + failed + " too low: " + figures);
    }

    /** The rule as recorded with every decision. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", "candidate mAP >= champion mAP - map-tolerance and candidate Rank-1 >= champion Rank-1 - rank1-margin");
        m.put("mapTolerance", mapTolerance);
        m.put("rank1Margin", rank1Margin);
        return m;
    }
}
