/**
 * Plain file formats shared across the project: the NumPy {@code .npy} format ({@link org.reidspark.io.NpyReader},
 * {@link org.reidspark.io.NpyWriter}, {@link org.reidspark.io.NpyHeader}) for float32/float64 arrays in C order,
 * read and written as streams so that matrices larger than memory pass through in blocks. Malformed input fails
 * with a {@link org.reidspark.io.NpyFormatException} naming the file and the problem.
 */
package org.reidspark.io;
