package org.reidspark.eval;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelsCsvTest {
    private static Labels read(String text) throws IOException {
        return LabelsCsv.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "Q.csv");
    }

    @Test
    void readsColumnsInAnyOrderWithOptionalClothes() throws IOException {
        Labels l = read("path,camid,pid,clothes\na.jpg,0,2,7\n\n# comment\nb.jpg,3,-1,8\n");
        assertArrayEquals(new int[] {2, -1}, l.pids());
        assertArrayEquals(new int[] {0, 3}, l.camids());
        assertArrayEquals(new int[] {7, 8}, l.clothes());
        Labels plain = read("pid,camid\n1,0\n1,1\n5,2\n");
        assertArrayEquals(new int[] {1, 1, 5}, plain.pids());
        assertNull(plain.clothes());
        assertFalse(plain.hasClothes());
    }

    @Test
    void errorsNameTheFileAndTheProblem() {
        IOException missing = assertThrows(IOException.class, () -> read("pid,cam\n1,0\n"));
        assertTrue(missing.getMessage().contains("Q.csv") && missing.getMessage().contains("lacks the column camid"),
                missing.getMessage());
        IOException bad = assertThrows(IOException.class, () -> read("pid,camid\n1,0\n2,x\n"));
        assertTrue(bad.getMessage().contains("Q.csv line 3") && bad.getMessage().contains("camid \"x\""), bad.getMessage());
        IOException shortLine = assertThrows(IOException.class, () -> read("pid,camid,clothes\n1,0\n"));
        assertTrue(shortLine.getMessage().contains("line 2"), shortLine.getMessage());
        IOException empty = assertThrows(IOException.class, () -> read(""));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void quotedFieldsWithCommasDoNotShiftTheColumns() throws IOException {
        Labels l = read("path,pid,camid\n\"/data/a,b.jpg\",3,1\n\"/data/\"\"q\"\".jpg\",4,0\n/data/c.jpg,5,2\n");
        assertArrayEquals(new int[]{3, 4, 5}, l.pids());
        assertArrayEquals(new int[]{1, 0, 2}, l.camids());
    }
}
