package io.filesync;

import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.main.Main;

/** Boots the real filesync configuration (config/, every routes/*.camel.yaml, the Kamelets) with test overrides. */
public final class BundleBoot implements AutoCloseable {

    private final Main main;

    private BundleBoot(Main main) {
        this.main = main;
    }

    /**
     * @param work      folder for the database and every working folder of the routes
     * @param overrides further settings, e.g. extra route files
     */
    public static BundleBoot start(Path work, Map<String, String> overrides) throws Exception {
        Main main = FilesyncMain.create(Path.of(FilesyncMain.DEFAULT_CONFIG));
        main.addOverrideProperty("filesync.db.url", "jdbc:sqlite:" + work.resolve("filesync.db"));
        main.addOverrideProperty("watch.target", work.resolve("watch").toString());
        main.addOverrideProperty("watch.events-dir", work.resolve("events").toString());
        main.addOverrideProperty("watch.settle-time-ms", "100");
        main.addOverrideProperty("writer.commands-dir", work.resolve("commands").toString());
        main.addOverrideProperty("writer.root", work.resolve("output").toString());
        main.addOverrideProperty("writer.watched-inputs", work.resolve("watch") + "," + work.resolve("commands"));
        main.addOverrideProperty("filesync.errors.max-redeliveries", "0");
        overrides.forEach(main::addOverrideProperty);
        main.start();
        return new BundleBoot(main);
    }

    public Main main() {
        return main;
    }

    @Override
    public void close() {
        main.stop();
    }
}
