package io.filesync;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.filesync.core.SettingLookups;
import io.filesync.core.StartupProblem;
import io.filesync.core.observe.FactsEndpoint;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts filesync as a standalone Camel application: the configuration file named on the command line (default
 * {@code config/application.properties}, optional) and every YAML route under {@code routes/}.
 * <p>
 * A startup failure ends the process with one readable line naming the file and the setting at fault, instead of the
 * framework's stack trace; the full trace stays available at DEBUG for whoever needs it.
 */
public final class FilesyncMain {

    /** Used when no configuration file is named on the command line. */
    public static final String DEFAULT_CONFIG = "config/application.properties";

    /** Where the routes are read from unless {@code camel.main.routes-include-pattern} says otherwise. */
    public static final String DEFAULT_ROUTES = "file:routes/*.camel.yaml";

    private FilesyncMain() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args.length > 0 ? args[0] : DEFAULT_CONFIG);
        useLoggingConfigBeside(config);
        int exitCode = run(config);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /**
     * Runs until the JVM is asked to stop (Ctrl-C, SIGTERM) or a configured duration ends.
     *
     * @return the process exit code: 0 after a clean stop, 1 when startup failed
     */
    static int run(Path config) throws Exception {
        return run(create(config), System.err);
    }

    /**
     * Runs a Main built by {@link #create(Path)}, reporting a failed start on {@code err}.
     *
     * @return the process exit code: 0 after a clean stop, 1 when startup failed
     */
    static int run(Main main, PrintStream err) throws Exception {
        SettingLookups lookups = new SettingLookups();
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport configuring) {
                configuring.getCamelContext().getPropertiesComponent().addPropertiesLookupListener(lookups);
            }
        });
        try {
            main.run();
            return main.getExitCode() < 0 ? 0 : main.getExitCode();
        } catch (Exception e) {
            String message = StartupProblem.describe(e, main.getCamelContext(), lookups);
            // Printed on stderr rather than logged: logging itself may be what is misconfigured.
            err.println("filesync could not start: " + message);
            log().debug("Startup failure in full", e);
            shutDown(main);
            return 1;
        }
    }

    /** Builds the camel-main instance with filesync's defaults; tests use it to boot the real configuration. */
    public static Main create(Path config) {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:" + config.toAbsolutePath() + ";optional=true");
        main.configure().withRoutesIncludePattern(DEFAULT_ROUTES);
        main.addMainListener(new FactsEndpoint());
        return main;
    }

    /**
     * Points log4j2 at {@code log4j2.properties} next to the configuration file, unless the user chose a logging
     * configuration already. Must run before the first logger is created.
     */
    private static void useLoggingConfigBeside(Path config) {
        Path parent = config.toAbsolutePath().getParent();
        Path logging = parent == null ? null : parent.resolve("log4j2.properties");
        if (System.getProperty("log4j2.configurationFile") == null && logging != null && Files.isRegularFile(logging)) {
            System.setProperty("log4j2.configurationFile", logging.toString());
        }
    }

    /**
     * Stopping Main after a failed start does not destroy the beans the context had created (after a veto, not even a
     * shutdown of the context does): the database pool went on opening its first connection in the background, and
     * when that happened during JVM exit the SQLite driver could not register its native library for deletion and
     * the pool logged the driver's stack trace. Stopping the registry runs the beans' destroy methods, which closes
     * the pool before the JVM exits.
     */
    private static void shutDown(Main main) {
        try {
            main.stop();
            CamelContext context = main.getCamelContext();
            if (context != null) {
                context.shutdown();
                ServiceHelper.stopAndShutdownService(context.getRegistry());
            }
        } catch (Exception e) {
            log().warn("Could not shut down cleanly after a failed start: {}", e.getMessage());
            log().debug("Shutdown failure in full", e);
        }
    }

    /** Looked up when needed, never in a static field: the first logger must come after the logging configuration is chosen. */
    private static Logger log() {
        return LoggerFactory.getLogger(FilesyncMain.class);
    }
}
