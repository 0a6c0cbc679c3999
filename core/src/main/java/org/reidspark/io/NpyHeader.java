package org.reidspark.io;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a {@code .npy} file (format versions 1.0, 2.0 and 3.0, as written by {@code numpy.save}):
 * element type, byte order and shape. Only C-order (row-major) float32 and float64 arrays are accepted; the
 * last dimension varies fastest.
 *
 * @param source     the file's name, used in every error message
 * @param dtype      element type
 * @param bigEndian  true for {@code '>f4'}/{@code '>f8'}; numpy writes little-endian ({@code '<'}) on x86
 * @param shape      the dimensions; {@code ()} is a scalar (one element)
 * @param dataOffset bytes before the first element (magic, version, header length, header text)
 */
public record NpyHeader(String source, DType dtype, boolean bigEndian, long[] shape, long dataOffset) {
    /** Magic bytes every {@code .npy} file starts with. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** The element types this reader understands. */
    public enum DType {
        FLOAT32(4, "f4", "float32"), FLOAT64(8, "f8", "float64");

        private final int bytes;
        private final String code;
        private final String numpyName;

        DType(int bytes, String code, String numpyName) {
            this.bytes = bytes;
            this.code = code;
            this.numpyName = numpyName;
        }

        public int bytes() {
            return bytes;
        }

        /** The numpy name: {@code float32} or {@code float64}. */
        public String numpyName() {
            return numpyName;
        }

        /** The little-endian numpy descriptor, e.g. {@code <f4}. */
        public String descr() {
            return "<" + code;
        }
    }

    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    public NpyHeader {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** Number of elements (1 for a scalar). */
    public long count() {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    /** Bytes of element data that follow the header. */
    public long dataBytes() {
        return Math.multiplyExact(count(), (long) dtype.bytes());
    }

    /** The shape as numpy prints it, e.g. {@code (3368, 15913)}. */
    public String shapeText() {
        return shapeText(shape);
    }

    static String shapeText(long[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(")").toString();
    }

    /** Shape and type for messages, e.g. {@code (3368, 15913) float32}. */
    public String describe() {
        return shapeText() + " " + dtype.numpyName();
    }

    /**
     * Checks that the array is a matrix ({@code what} in messages, e.g. "distance matrix") and returns its
     * rows and columns as ints (each dimension must fit a Java array index).
     */
    public int[] requireMatrix(String what) throws NpyFormatException {
        if (shape.length != 2) {
            throw new NpyFormatException(source, what + " must be a 2-D array, but the file holds shape " + shapeText());
        }
        for (long s : shape) {
            if (s > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(source, what + " has a dimension of " + s + ", more than this reader supports");
            }
        }
        return new int[] {(int) shape[0], (int) shape[1]};
    }

    /** Parses the dictionary text of a header (after the length field). */
    static NpyHeader parse(String source, String dict, long dataOffset) throws NpyFormatException {
        Matcher d = DESCR.matcher(dict);
        if (!d.find()) throw new NpyFormatException(source, "header has no 'descr' entry: " + dict.strip());
        String descr = d.group(1);
        Matcher f = FORTRAN.matcher(dict);
        if (!f.find()) throw new NpyFormatException(source, "header has no 'fortran_order' entry: " + dict.strip());
        Matcher s = SHAPE.matcher(dict);
        if (!s.find()) throw new NpyFormatException(source, "header has no 'shape' entry: " + dict.strip());

        if (descr.length() != 3 || "<>|=".indexOf(descr.charAt(0)) < 0) {
            throw unsupported(source, descr);
        }
        DType type = switch (descr.substring(1)) {
            case "f4" -> DType.FLOAT32;
            case "f8" -> DType.FLOAT64;
            default -> throw unsupported(source, descr);
        };
        boolean big = descr.charAt(0) == '>';
        if (f.group(1).equals("True")) {
            throw new NpyFormatException(source, "array is stored in Fortran (column-major) order; save it in C order"
                    + " (numpy.ascontiguousarray(a) before numpy.save)");
        }
        String[] parts = s.group(1).split(",");
        long[] dims = Arrays.stream(parts).map(String::strip).filter(p -> !p.isEmpty()).mapToLong(p -> {
            try {
                return Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
            } catch (NumberFormatException e) {
                return -1;
            }
        }).toArray();
        for (long dim : dims) {
            if (dim < 0) throw new NpyFormatException(source, "header has a malformed shape (" + s.group(1) + ")");
        }
        return new NpyHeader(source, type, big, dims, dataOffset);
    }

    private static NpyFormatException unsupported(String source, String descr) {
        return new NpyFormatException(source, "element type '" + descr + "' is not supported; expected float32 ('<f4')"
                + " or float64 ('<f8'), e.g. numpy.save(path, a.astype(numpy.float32))");
    }

    /** The header dictionary numpy writes for this type and shape (without padding). */
    static String dictText(DType dtype, long[] shape) {
        return String.format(Locale.ROOT, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                dtype.descr(), shapeText(shape));
    }
}
