package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;

import io.filesync.FilesyncMain;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts the real Main on broken configurations and checks that the one-line message names file and key. */
class StartupProblemTest {

    @TempDir
    Path dir;

    private String startWith(String routeFile, String yaml) throws Exception {
        Files.createDirectories(dir.resolve("routes"));
        Files.writeString(dir.resolve("routes").resolve(routeFile), yaml);
        Path config = dir.resolve("application.properties");
        Files.writeString(config, "camel.main.routes-include-pattern = file:" + dir.resolve("routes") + "/*.camel.yaml\n");
        Main main = FilesyncMain.create(config);
        Throwable failure = catchThrowable(main::run);
        assertThat(failure).as("startup must fail").isNotNull();
        try {
            return StartupProblem.describe(failure, main.getCamelContext());
        } finally {
            main.stop();
        }
    }

    @Test
    void missingSettingNamesFileRouteKeyAndHowToSetIt() throws Exception {
        String message = startWith("needs-setting.camel.yaml", """
                - route:
                    id: needs-setting
                    from:
                      uri: "file:{{csv.required-dir}}"
                      steps:
                        - log: hi
                """);
        assertThat(message).isEqualTo(dir.resolve("routes/needs-setting.camel.yaml")
                + ":4: route 'needs-setting': setting 'csv.required-dir' is not set. Set it in config/application.properties,"
                + " as environment variable CSV_REQUIRED_DIR or as -Dcsv.required-dir=...");
    }

    @Test
    void yamlTypoNamesFileLineAndColumn() throws Exception {
        String message = startWith("typo.camel.yaml", """
                - route:
                    id: typo
                    from:
                      uri: timer:x
                      stepz:
                        - log: hi
                """);
        assertThat(message).isEqualTo(dir.resolve("routes/typo.camel.yaml") + ":6:9: Unsupported field: stepz");
    }

    @Test
    void unknownComponentNamesFileAndRoute() throws Exception {
        String message = startWith("bad-scheme.camel.yaml", """
                - route:
                    id: bad-scheme
                    from:
                      uri: "fiel:data/x"
                      steps:
                        - log: hi
                """);
        assertThat(message).isEqualTo(dir.resolve("routes/bad-scheme.camel.yaml") + ":4: route 'bad-scheme': "
                + "no component for scheme 'fiel:' (misspelt, or its component is not on the classpath)");
    }

    @Test
    void environmentNameFollowsCamelsConvention() {
        assertThat(StartupProblem.environmentName("filesync.db.pool-size")).isEqualTo("FILESYNC_DB_POOL_SIZE");
    }
}
