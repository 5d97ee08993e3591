package io.filesync.mirror;

import java.io.IOException;

/**
 * The local file changed or vanished while it was being uploaded. Nothing half-written is left on the remote (the
 * upload is discarded before it becomes visible), and the action is run again at once with the newest content.
 */
public class ChangedDuringUploadException extends IOException {

    private static final long serialVersionUID = 1L;

    public ChangedDuringUploadException(String message) {
        super(message);
    }
}
