/**
 * A toy second method, in test code, written only against the method contract: two trained networks (an encoder and
 * a camera classifier with its own optimizer), a frozen network (a fixed random teacher), keyed state (a memory bank
 * row per training image), an extra per-sample label array (the camera id) and a non-embedding matching rule
 * (visibility-weighted parts). It proves that a method is its package, its config section ({@code reid.toy} in this
 * module's test {@code reference.conf}), its conf ({@code methods/toy.conf}) and one registration line; the jobs
 * train it by config alone.
 */
package org.reidspark.method.toy;
