package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.testing.Rows;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;

/**
 * A CSV written slowly, in place, through the real routes: the change source reports it once it has settled, so its
 * table is loaded once, whole, never from the half-written file.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:config/application.properties",
        properties = {
                "filesync.db.url=jdbc:sqlite:target/csv-slow-writer-test/filesync.db",
                "filesync.errors.max-redeliveries=0",
                "csv.dir=target/csv-slow-writer-test/csv",
                // Appends come every 100 ms: a settle time ten times that keeps a loaded machine from seeing a pause.
                "csv.settle-time-ms=1000",
                "camel.main.routes-include-pattern=file:routes/filesync-*.camel.yaml,file:routes/csv-*.camel.yaml"
        })
class CsvSlowWriterRouteTest {

    private static final Path BASE = Path.of("target/csv-slow-writer-test");
    private static final int ROWS = 20;

    static {
        try {
            if (Files.exists(BASE)) {
                try (Stream<Path> paths = Files.walk(BASE)) {
                    for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                        Files.delete(path);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeanInject
    CamelContext context;

    @Test
    void aFileWrittenRowByRowIsLoadedOnceWhole() throws Exception {
        Path file = Files.createDirectories(BASE.resolve("csv")).resolve("slow.csv");
        CompletableFuture<Void> written = new CompletableFuture<>();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("n,square\n");
            out.flush();
            AtomicInteger next = new AtomicInteger(1);
            ScheduledFuture<?> appending = writer.scheduleAtFixedRate(() -> {
                try {
                    int n = next.getAndIncrement();
                    if (n > ROWS) {
                        written.complete(null);
                        return;
                    }
                    out.write(n + "," + n * n + "\n");
                    out.flush();
                } catch (IOException e) {
                    written.completeExceptionally(e);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            written.get(30, TimeUnit.SECONDS);
            appending.cancel(false);
        } finally {
            writer.shutdownNow();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> query("SELECT count(*) FROM slow"), rows -> rows.equals(List.of(String.valueOf(ROWS))));
        assertThat(query("SELECT max(square) FROM slow")).containsExactly(String.valueOf(ROWS * ROWS));
        assertThat(FilesyncMetrics.of(context).counter("csv", "files.loaded", "source", "csv-to-table", "table", "slow").count())
                .as("loads of slow.csv").isEqualTo(1.0);
    }

    private List<String> query(String sql) throws Exception {
        try {
            return Rows.column(context.getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class), sql);
        } catch (java.sql.SQLException noTableYet) {
            return List.of();
        }
    }
}
