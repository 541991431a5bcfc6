package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool's two bounds: content kept whole counts as the 4 KiB blocks it occupies, up to the byte budget; files, up
 * to as many as one block each would fill it with. A file whose content does not fit is kept empty.
 */
class SpareFilesTest {
    @TempDir
    Path dir;

    private Path file(String name, int size) throws Exception {
        return Files.write(dir.resolve(name), new byte[size]);
    }

    @Test
    void noMoreFilesAreKeptThanOneBlockEachWouldFillTheBudgetWith() throws Exception {
        SpareFiles spares = SpareFiles.open(dir.resolve("spare"), 3 * 4096);
        for (int i = 0; i < 3; i++) {
            assertThat(spares.adopt(file("m" + i, 100), "m" + i)).isNotNull();
        }
        Path fourth = file("m3", 100);
        assertThat(spares.adopt(fourth, "m3")).isNull(); // the pool has its most files: the caller deletes it
        assertThat(fourth).exists();
    }

    @Test
    void aFileWhoseContentIsOverTheByteBudgetIsKeptEmpty() throws Exception {
        SpareFiles spares = SpareFiles.open(dir.resolve("spare"), 2 * 4096);
        spares.offer(spares.adopt(file("small", 100), "small"));
        SpareFiles.Adopted big = spares.adopt(file("big", 5000), "big"); // two blocks, one is left
        assertThat(big).isNotNull();
        assertThat(big.empty()).isTrue();
        assertThat(big.charge()).isZero();
        // emptied only when offered: before the caller has synced the queue directory, a crash may bring the
        // old name back, and it must still name the whole message
        assertThat(Files.size(big.path())).isEqualTo(5000);
        spares.offer(big);
        assertThat(Files.size(big.path())).isZero();
        assertThat(spares.adopt(file("third", 10), "third")).isNull();
        assertThat(spares.take()).isEqualTo(dir.resolve("spare/small"));
        assertThat(spares.take()).isEqualTo(big.path());
    }

    @Test
    void aFileLargerThanTheLargestKeptIsKeptEmpty() throws Exception {
        SpareFiles spares = SpareFiles.open(dir.resolve("spare"), 1024 * 1024);
        SpareFiles.Adopted huge = spares.adopt(file("huge", (int) SpareFiles.MAX_SIZE + 1), "huge");
        assertThat(huge.empty()).isTrue();
        spares.offer(huge);
        assertThat(Files.size(huge.path())).isZero();
        SpareFiles.Adopted whole = spares.adopt(file("whole", 5000), "whole");
        assertThat(whole.empty()).isFalse();
        assertThat(whole.charge()).isEqualTo(2 * 4096);
        spares.offer(whole);
        assertThat(Files.size(whole.path())).isEqualTo(5000);
    }

    @Test
    void aTakenSpareFreesItsShareAndAnOfferedOneCanBeTaken() throws Exception {
        SpareFiles spares = SpareFiles.open(dir.resolve("spare"), 3 * 4096);
        SpareFiles.Adopted big = spares.adopt(file("big", 5000), "big"); // two blocks
        spares.offer(big);
        assertThat(spares.adopt(file("a", 10), "a").empty()).isFalse();
        assertThat(spares.adopt(file("b", 10), "b").empty()).isTrue(); // its block would be the fourth
        assertThat(spares.take()).isEqualTo(big.path());
        assertThat(spares.adopt(file("c", 10), "c").empty()).isFalse();
        assertThat(spares.adopt(file("d", 10), "d")).isNull(); // a, b and c: three files
        assertThat(spares.take()).isNull(); // a, b and c were adopted, never offered
    }

    @Test
    void aFileLeftByAnEarlierRunThatDoesNotFitWholeIsKeptEmpty() throws Exception {
        Path spareDir = Files.createDirectories(dir.resolve("spare"));
        Path huge = Files.write(spareDir.resolve("huge"), new byte[(int) SpareFiles.MAX_SIZE + 1]);
        Path small = Files.write(spareDir.resolve("small"), new byte[10]);
        SpareFiles spares = SpareFiles.open(spareDir, 2 * 4096);
        assertThat(Files.size(huge)).isZero();
        assertThat(Files.size(small)).isEqualTo(10);
        assertThat(List.of(spares.take(), spares.take())).containsExactlyInAnyOrder(huge, small);
        assertThat(spares.take()).isNull();
    }

    @Test
    void filesLeftByAnEarlierRunBeyondTheNumberOfFilesAreDeleted() throws Exception {
        Path spareDir = Files.createDirectories(dir.resolve("spare"));
        for (int i = 0; i < 5; i++) {
            Files.write(spareDir.resolve("s" + i), new byte[10]);
        }
        Files.createDirectory(spareDir.resolve("not-a-file"));
        SpareFiles spares = SpareFiles.open(spareDir, 2 * 4096);
        try (var left = Files.list(spareDir)) {
            assertThat(left.toList()).hasSize(2).allSatisfy(p -> assertThat(p).isRegularFile());
        }
        assertThat(spares.take()).isNotNull();
        assertThat(spares.take()).isNotNull();
        assertThat(spares.take()).isNull();
    }
}
