/**
 * The synthetic re-ID benchmark: pedestrians rendered with Java2D from body parts, with known identity, camera,
 * clothes and part masks, written in the layout of a real dataset (Market-1501, Occluded-Duke, LTCC) so the
 * catalogs read it. {@link org.reidspark.data.synth.SynthGenerator} plans ({@code SynthPlan}), renders
 * ({@code Renderer}: scene, person, occluder, camera effects) and writes images, masks and {@code synth.json};
 * {@code eval.baseline.SynthCalibration} measures its difficulty with the colour-histogram baseline;
 * {@link org.reidspark.data.synth.Parts} documents the part labels. Config: {@code reid.synth}
 * ({@link org.reidspark.data.synth.SynthConfig}). {@link org.reidspark.data.synth.Counterfactuals} redraws an image
 * with another image's outfit: the pixel ground truth of DG-Net's cross-identity generation, for evaluation only.
 * See docs/datasets.md, "Synthetic benchmark".
 */
package org.reidspark.data.synth;
