/**
 * Configuration: loading experiment files layered on the modules' {@code reference.conf}, rejecting
 * unknown keys, redacting secrets, and the typed config records every component is built from.
 * Each record validates in its constructor and is built by an explicit {@code from(Config)}.
 */
package org.reidspark.config;
