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
 * The beans filesync declares in YAML say which value is which: named properties, never constructor argument
 * positions. The shared DataSource is the one exception, kept as a factory because Camel 4.18's YAML DSL retries a
 * failed builder bean with its properties used up, which would hide why the database could not be opened.
 */
class NamedBeansTest {

    private static final List<Path> FILES = List.of(Path.of("routes/filesync-beans.camel.yaml"),
            Path.of("src/main/resources/kamelets/filesync-rows-sink.kamelet.yaml"),
            Path.of("src/main/resources/kamelets/filesync-file-source.kamelet.yaml"),
            Path.of("src/main/resources/kamelets/filesync-tail-source.kamelet.yaml"),
            Path.of("src/main/resources/kamelets/filesync-watch-source.kamelet.yaml"),
            Path.of("src/main/resources/kamelets/filesync-writer-sink.kamelet.yaml"));

    @Test
    void beansAreDeclaredByNamedPropertiesNotArgumentPositions() throws Exception {
        List<String> positional = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Path file : FILES) {
            for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
                collectBeans(document, file, seen, positional);
            }
        }

        assertThat(seen).as("beans found").contains("filesyncErrors", "filesyncDatabaseHealth", "rowWriter", "handledVersions");
        assertThat(positional).as("beans built from constructor positions").containsExactly("filesyncDataSource");
    }

    /** Walks the YAML tree: every list under a key named beans holds bean definitions. */
    private static void collectBeans(Object node, Path file, List<String> seen, List<String> positional) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if ("beans".equals(entry.getKey()) && entry.getValue() instanceof List<?> beans) {
                    for (Object bean : beans) {
                        Map<?, ?> definition = (Map<?, ?>) bean;
                        seen.add(String.valueOf(definition.get("name")));
                        if (definition.containsKey("constructors")) {
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
}
