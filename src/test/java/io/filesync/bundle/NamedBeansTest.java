package io.filesync.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The beans filesync declares in YAML, in every route file and Kamelet, say which value is which: named properties,
 * never constructor argument positions. A factory taking one bean, a builder of named settings, reads the same way.
 */
class NamedBeansTest {

    private static List<Path> yamlFiles() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path folder : List.of(Path.of("routes"), Path.of("src/main/resources/kamelets"))) {
            try (var listing = Files.list(folder)) {
                listing.filter(file -> file.toString().endsWith(".yaml")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void beansAreDeclaredByNamedPropertiesNotArgumentPositions() throws Exception {
        List<String> positional = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Path file : yamlFiles()) {
            for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
                collectBeans(document, file, seen, positional);
            }
        }

        assertThat(seen).as("beans found").contains("filesyncDataSource", "filesyncErrors", "filesyncDatabaseHealth",
                "rowWriter", "handledVersions", "csvTables", "syncClient", "syncClientTransport", "syncServerHttp");
        assertThat(positional).as("beans built from constructor positions").isEmpty();
    }

    /** Walks the YAML tree: every list under a key named beans holds bean definitions. */
    private static void collectBeans(Object node, Path file, List<String> seen, List<String> positional) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if ("beans".equals(entry.getKey()) && entry.getValue() instanceof List<?> beans) {
                    for (Object bean : beans) {
                        Map<?, ?> definition = (Map<?, ?>) bean;
                        seen.add(String.valueOf(definition.get("name")));
                        if (definition.get("constructors") instanceof Map<?, ?> arguments && !oneBuilderBean(arguments)) {
                            positional.add(String.valueOf(definition.get("name")));
                        }
                    }
                } else {
                    collectBeans(entry.getValue(), file, seen, positional);
                }
            }
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collectBeans(item, file, seen, positional));
        }
    }

    private static boolean oneBuilderBean(Map<?, ?> arguments) {
        return arguments.size() == 1 && String.valueOf(arguments.values().iterator().next()).startsWith("#bean:");
    }
}
