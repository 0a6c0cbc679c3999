/**
 * DCR, differentiable categorical regions with Gumbel-Softmax (https://doi.org/10.1016/j.neucom.2024.128723): its
 * settings, network, step and test network (parts and visibility, matched by visibility-weighted part distances).
 */
package org.reidspark.method.dcr;
