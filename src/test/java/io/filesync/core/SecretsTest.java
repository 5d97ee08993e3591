package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void passwordsInsideUrlsAreMaskedInEveryForm() {
        Secrets secrets = Secrets.of(null);
        assertThat(secrets.mask("jdbc:postgresql://fs:hunter22@db:5432/filesync refused"))
                .isEqualTo("jdbc:postgresql://fs:****@db:5432/filesync refused");
        assertThat(secrets.mask("jdbc:postgresql://db/filesync?user=fs&password=hunter22&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/filesync?user=fs&password=****&ssl=true");
        assertThat(secrets.mask("jdbc:sqlserver://db;user=fs;password=hunter22;encrypt=true"))
                .isEqualTo("jdbc:sqlserver://db;user=fs;password=****;encrypt=true");
        assertThat(secrets.mask("netty-http:https://0.0.0.0:8765/sync?passphrase=RAW(p&ss)&ssl=true"))
                .isEqualTo("netty-http:https://0.0.0.0:8765/sync?passphrase=****&ssl=true");
    }

    @Test
    void valuesOfCredentialSettingsAreMaskedWhereverTheyAppear() {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties settings = new Properties();
        settings.setProperty("sync.server.token", "t0ken-value");
        settings.setProperty("mirror.s3.secret-key", "s3cr3t-value");
        settings.setProperty("watch.state-key", "watch-events");
        context.getPropertiesComponent().setInitialProperties(settings);

        String masked = Secrets.of(context).mask("refused t0ken-value and s3cr3t-value in route watch-events");

        // watch.state-key is a name, not a credential: masking it would hide the route the message is about.
        assertThat(masked).isEqualTo("refused **** and **** in route watch-events");
    }

    @Test
    void anyKeyNamingAPasswordSecretTokenOrKeyIsNeverShown() {
        assertThat(Secrets.isSecret("filesync.db.password")).isTrue();
        assertThat(Secrets.isSecret("SYNC_CLIENT_TOKEN")).isTrue();
        assertThat(Secrets.isSecret("mirror.s3.access-key")).isTrue();
        assertThat(Secrets.isSecret("mirror.sftp.passphrase")).isTrue();
        assertThat(Secrets.isSecret("csv.delimiter")).isFalse();
    }
}
