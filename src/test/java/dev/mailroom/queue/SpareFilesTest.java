package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool's byte budget: each file counts as the 4 KiB blocks it occupies, at least one. */
class SpareFilesTest {
    @TempDir
    Path dir;

    private Path file(String name, int size) throws Exception {
        return Files.write(dir.resolve(name), new byte[size]);
    }

    @Test
    void smallFilesCountAsOneBlockEachUntilTheBudgetIsSpent() throws Exception {
        SpareFiles spares = SpareFiles.open(dir.resolve("spare"), 3 * 4096);
        for (int i = 0; i < 3; i++) {
            assertThat(spares.adopt(file("m" + i, 100), "m" + i)).isNotNull();
        }
        Path fourth = file("m3", 100);
        assertThat(spares.adopt(fourth, "m3")).isNull(); // over budget: the caller deletes it
        assertThat(fourth).exists();
    }

    @Test
    void aTakenSpareFreesItsShareAndAnOfferedOneCanBeTaken() throws Exception {
        SpareFiles spares = SpareFiles.open(dir.resolve("spare"), 3 * 4096);
        SpareFiles.Adopted big = spares.adopt(file("big", 5000), "big"); // two blocks
        spares.offer(big);
        assertThat(spares.adopt(file("a", 10), "a")).isNotNull();
        assertThat(spares.adopt(file("b", 10), "b")).isNull();
        assertThat(spares.take()).isEqualTo(big.path());
        assertThat(spares.adopt(file("c", 10), "c")).isNotNull();
        assertThat(spares.take()).isNull(); // a and c were adopted, never offered
    }

    @Test
    void filesLeftByAnEarlierRunAreKeptUpToTheBudgetAndTheRestDeleted() throws Exception {
        Path spareDir = Files.createDirectories(dir.resolve("spare"));
        for (int i = 0; i < 5; i++) {
            Files.write(spareDir.resolve("s" + i), new byte[10]);
        }
        Files.write(spareDir.resolve("huge"), new byte[(int) SpareFiles.MAX_SIZE + 1]);
        SpareFiles spares = SpareFiles.open(spareDir, 2 * 4096);
        try (var left = Files.list(spareDir)) {
            assertThat(left.count()).isEqualTo(2);
        }
        assertThat(spares.take()).isNotNull();
        assertThat(spares.take()).isNotNull();
        assertThat(spares.take()).isNull();
    }
}
