package org.reidspark.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The docs' figures come from the docs' own tables, and the docs show every one of them. */
class DocFiguresTest {
    static final Path DOCS = Path.of("..", "docs");

    @Test
    void everyFigureIsDrawnFromTheCommittedTablesAndShownInItsDocument(@TempDir Path tmp) throws Exception {
        for (String doc : List.of("results.md", "performance.md")) Files.copy(DOCS.resolve(doc), tmp.resolve(doc));
        List<Path> written = DocFigures.write(tmp);
        assertEquals(DocFigures.FIGURES.size(), written.size());
        for (int i = 0; i < written.size(); i++) {
            DocFigures.Figure f = DocFigures.FIGURES.get(i);
            BufferedImage img = ImageIO.read(written.get(i).toFile());
            assertEquals(DocFigures.WIDTH * DocFigures.SCALE, img.getWidth(), f.file());
            assertEquals(DocFigures.HEIGHT * DocFigures.SCALE, img.getHeight(), f.file());
            String md = Files.readString(DOCS.resolve(f.doc()));
            assertTrue(md.contains("](figures/" + f.file() + ")"), f.doc() + " shows " + f.file());
            assertTrue(Files.exists(DOCS.resolve(DocFigures.FOLDER).resolve(f.file())), "docs/figures/" + f.file() + " is committed");
        }
    }

    @Test
    void tablesAreFoundByHeadingAndFirstHeaderAndTheirNumbersRead() {
        String md = """
                # One
                | a | b |
                |---|---|
                | x | 1 |
                ## Two
                | a | b |
                |---|---|
                | x | **0.8967 ± 0.0115**, 1,234 img/s |
                | y | 42.2 -> 32.3 |
                """;
        MarkdownTable t = MarkdownTable.find(md, "doc", "Two", "a");
        assertEquals(List.of("a", "b"), t.header());
        assertEquals(2, t.rows().size());
        assertArrayEquals(new double[] {0.8967, 0.0115, 1234}, MarkdownTable.numbers(t.row("x").get(1)));
        assertEquals(1234, t.numberBefore(t.row("x"), 1, "img/s"));
        assertArrayEquals(new double[] {42.2, 32.3}, MarkdownTable.numbers(t.row("y").get(1)));
        assertEquals(1, MarkdownTable.find(md, "doc", "One", "a").rows().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MarkdownTable.find(md, "doc", "Two", "z"));
        assertTrue(e.getMessage().contains("\"| z |\""), e.getMessage());
    }
}
