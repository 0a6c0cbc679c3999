/**
 * Methods: each seed paper's recipe behind the {@link org.reidspark.method.Method} contract (typed settings, training
 * inputs, networks with merge rules, step, learning rates, test network and matching rule), made from the run's
 * config by the one switch in {@link org.reidspark.method.Methods}. Subpackages hold one method each; docs/methods.md
 * says how to add one.
 */
package org.reidspark.method;
