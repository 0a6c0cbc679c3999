/**
 * Methods: each seed paper's recipe (networks, losses, update rule) behind the {@link org.reidspark.method.Method}
 * interface, chosen by name in {@link org.reidspark.method.Methods}. Subpackages hold one method each.
 */
package org.reidspark.method;
