package io.filesync.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.FilesyncMain;
import io.filesync.servers.PostgresServer.TestDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real bundle (config/application.properties and the routes) started in the test JVM, with settings overridden
 * for one test only, through camel-main's override properties rather than global system properties.
 */
public final class Bundle implements AutoCloseable {

    private final Main main;

    private Bundle(Main main) {
        this.main = main;
    }

    /** Starts the bundle with these settings overriding the configuration file. */
    public static Bundle start(Map<String, String> settings) throws Exception {
        Main main = FilesyncMain.create(Path.of("config/application.properties"));
        settings.forEach(main::addOverrideProperty);
        main.start();
        return new Bundle(main);
    }

    /** Starts the bundle on a test PostgreSQL database, with these further settings. */
    public static Bundle onPostgres(TestDatabase database, Map<String, String> settings) throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("filesync.db.url", database.jdbcUrl());
        all.put("filesync.db.username", database.username());
        all.put("filesync.db.password", database.password());
        all.putAll(settings);
        return start(all);
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    /** The bundle's own DataSource bean. */
    public DataSource dataSource() {
        return context().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
