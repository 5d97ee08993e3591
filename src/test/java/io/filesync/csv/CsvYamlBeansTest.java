package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CsvTables is public API for YAML: a bean declaration with named properties (the ones left out keep their
 * defaults) creates it from property text, and a route calls sync, drop and rename with the file headers.
 */
class CsvYamlBeansTest {

    @TempDir
    Path tempDir;

    @Test
    void beansDeclaredInYamlLoadRenameAndDropTables() throws Exception {
        Path folder = Files.createDirectories(tempDir.resolve("csv"));
        Path routes = tempDir.resolve("csv-beans.camel.yaml");
        Files.writeString(routes, """
                - beans:
                    - name: filesyncDataSource
                      type: io.filesync.core.db.DataSources
                      factoryMethod: pooled
                      constructors:
                        "0": "{{filesync.db.url}}"
                        "1": ""
                        "2": ""
                        "3": "4"
                      destroyMethod: close
                    - name: csvTables
                      type: io.filesync.csv.CsvTables
                      builderClass: io.filesync.csv.CsvTables$Builder
                      properties:
                        dataSource: "#bean:filesyncDataSource"
                        directory: "{{filesync.csv.dir}}"
                        sourceKey: csv
                        delimiter: "{{filesync.csv.delimiter:semicolon}}"
                        tableNames: "{{filesync.csv.table-names:file-name}}"
                - route:
                    id: test-csv-sync
                    from:
                      uri: direct:sync
                      steps:
                        - bean:
                            ref: csvTables
                            method: sync(${header.CamelFileName})
                - route:
                    id: test-csv-rename
                    from:
                      uri: direct:rename
                      steps:
                        - bean:
                            ref: csvTables
                            method: rename(${header.from}, ${header.CamelFileName})
                - route:
                    id: test-csv-drop
                    from:
                      uri: direct:drop
                      steps:
                        - bean:
                            ref: csvTables
                            method: drop(${header.CamelFileName})
                """);
        Main main = new Main();
        main.configure().withRoutesIncludePattern("file:" + routes);
        main.addInitialProperty("filesync.db.url", "jdbc:sqlite:" + tempDir.resolve("yaml.db"));
        main.addInitialProperty("filesync.csv.dir", folder.toString());
        main.start();
        try {
            CamelContext context = main.getCamelContext();
            var template = context.createProducerTemplate();
            Files.createDirectories(folder.resolve("2024"));
            Files.writeString(folder.resolve("2024/q1.csv"), "region;total\nnorth;10\n");

            Object outcome = template.requestBodyAndHeader("direct:sync", null, Exchange.FILE_NAME, "2024/q1.csv");
            Files.move(folder.resolve("2024/q1.csv"), folder.resolve("q2.csv"));
            Object renamed = template.requestBodyAndHeaders("direct:rename", null,
                    java.util.Map.of(Exchange.FILE_NAME, "q2.csv", "from", "2024/q1.csv"));

            CsvFixture db = CsvFixture.on(tempDir, context.getRegistry().lookupByNameAndType("filesyncDataSource", javax.sql.DataSource.class));
            assertThat(outcome).isEqualTo(SyncOutcome.LOADED);
            assertThat(renamed).isEqualTo(SyncOutcome.RENAMED);
            assertThat(CsvTablesTest.values(db.rows("q2"))).containsExactly(List.of("0", "north", "10"));

            Files.delete(folder.resolve("q2.csv"));
            assertThat(template.requestBodyAndHeader("direct:drop", null, Exchange.FILE_NAME, "q2.csv")).isEqualTo(SyncOutcome.DROPPED);
            assertThat(db.userTables()).isEmpty();
        } finally {
            main.stop();
        }
    }

    @Test
    void theShippedCsvBeanLoadedBeforeTheSharedBeansFindsTheDatabaseOnFirstUse() throws Exception {
        Path folder = Files.createDirectories(tempDir.resolve("csv"));
        Main main = new Main();
        // routes/ is read in no fixed order: the CSV bean file may come before the one declaring the database.
        main.configure().withRoutesIncludePattern("file:routes/csv-beans.camel.yaml,file:routes/filesync-beans.camel.yaml");
        main.addInitialProperty("filesync.db.url", "jdbc:sqlite:" + tempDir.resolve("order.db"));
        main.addInitialProperty("csv.dir", folder.toString());
        main.start();
        try {
            Files.writeString(folder.resolve("first.csv"), "a\n1\n");
            CsvTables tables = main.getCamelContext().getRegistry().lookupByNameAndType("csvTables", CsvTables.class);
            assertThat(tables.sync("first.csv")).isEqualTo(SyncOutcome.LOADED);
        } finally {
            main.stop();
        }
    }
}
