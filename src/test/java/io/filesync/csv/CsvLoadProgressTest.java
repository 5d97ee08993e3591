package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.filesync.core.observe.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A load's rows are counted as they are handed to the database, batch by batch, for its progress line. */
class CsvLoadProgressTest {

    @TempDir
    Path work;

    @Test
    void everyRowHandedToTheLoaderIsCountedAsItGoes() throws Exception {
        Path file = work.resolve("big.csv");
        List<String> lines = new ArrayList<>();
        lines.add("id,name");
        int rows = RecordPump.BATCH_ROWS * 3 + 17;
        for (int i = 0; i < rows; i++) {
            lines.add(i + ",name " + i);
        }
        Files.write(file, lines);

        Progress.Work rowsRead = Progress.silent().start(LoggerFactory.getLogger(getClass()), "big.csv: loading", "rows", -1, 0);
        List<Long> countedAtEachBatch = new ArrayList<>();
        try (CsvRecords records = CsvRecords.open(file, "big.csv", CsvOptions.defaults().withDelimiter(','), null)) {
            records.next();
            try (RecordPump pump = new RecordPump(records, 2, null, rowsRead)) {
                while (pump.next() != null) {
                    countedAtEachBatch.add(rowsRead.done());
                }
            }
        }

        assertThat(countedAtEachBatch).containsExactly((long) RecordPump.BATCH_ROWS, 2L * RecordPump.BATCH_ROWS,
                3L * RecordPump.BATCH_ROWS, (long) rows);
    }
}
