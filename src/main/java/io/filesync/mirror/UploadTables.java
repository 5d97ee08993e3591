package io.filesync.mirror;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Calls on the tables where large uploads keep their progress ({@link MultipartUploads}, {@link SftpCheckpoints}),
 * with a database failure turned into an {@link IOException}: the action fails and is retried like any other, and
 * the upload resumes from what was recorded.
 */
final class UploadTables {

    @FunctionalInterface
    interface Call<T> {
        T run() throws SQLException;
    }

    @FunctionalInterface
    interface Work {
        void run() throws SQLException;
    }

    private UploadTables() {
    }

    static <T> T call(Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (SQLException e) {
            throw new IOException("upload table not reachable: " + e.getMessage(), e);
        }
    }

    static void run(Work work) throws IOException {
        call(() -> {
            work.run();
            return null;
        });
    }
}
