package org.reidspark.report;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CSV as the project writes it (ShardSummary.csv quoting) read back, and what is malformed named. */
class CsvTableTest {
    @Test
    void readsQuotedFieldsWithCommasQuotesAndLineBreaks() throws IOException {
        String uri = "file:/data/a, \"b\"\nc.jpg";
        String text = "query_key,query_uri,rank\r\n1," + org.reidspark.data.shard.ShardSummary.csv(uri) + ",\n2,plain.jpg,3\n";
        CsvTable t = CsvTable.parse("t.csv", text);
        assertEquals(List.of("query_key", "query_uri", "rank"), t.columns());
        assertEquals(2, t.rows().size());
        assertEquals(uri, t.maps().get(0).get("query_uri"));
        assertEquals("", t.maps().get(0).get("rank"), "an empty field for a null");
        assertEquals("3", t.rows().get(1).get(t.column("rank")));
    }

    @Test
    void aShortRowOrAnUnclosedQuoteIsNamed() {
        IOException shortRow = assertThrows(IOException.class, () -> CsvTable.parse("t.csv", "a,b\n1,2\n3\n"));
        assertTrue(shortRow.getMessage().contains("t.csv, record 3: 1 fields, the header has 2"), shortRow.getMessage());
        IOException open = assertThrows(IOException.class, () -> CsvTable.parse("t.csv", "a,b\n1,\"2\n"));
        assertTrue(open.getMessage().contains("never closed"), open.getMessage());
        IOException column = assertThrows(IOException.class, () -> CsvTable.parse("t.csv", "a,b\n").column("c"));
        assertTrue(column.getMessage().contains("no column c (its columns: a, b)"), column.getMessage());
    }
}
