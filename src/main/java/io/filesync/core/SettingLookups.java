package io.filesync.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.PropertiesLookupListener;

/**
 * Records every setting Camel resolves during a start and where its value came from, through Camel's own lookup
 * listener: a value taken from the environment or a system property is in no file, so the configuration alone cannot
 * say that it was set, nor by whom.
 */
public final class SettingLookups implements PropertiesLookupListener {

    /** Key to Camel's name of the source: "ENV", "SYS", or the location of a properties file. */
    private final Map<String, String> sources = new ConcurrentHashMap<>();

    @Override
    public void onLookup(String name, String value, String defaultValue, String source) {
        // No source: the inline default was used, which is never what the user set.
        if (name != null && source != null) {
            sources.put(name, source);
        }
    }

    /** The keys given a value by the user, in no particular order. */
    List<String> keys() {
        return new ArrayList<>(sources.keySet());
    }

    /** Camel's name of where the key's value came from, or null when it was not looked up or not set. */
    String sourceOf(String key) {
        return sources.get(key);
    }
}
