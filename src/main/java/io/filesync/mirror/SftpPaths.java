package io.filesync.mirror;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;

/** Path helpers of the SFTP remote: JSch's glob escaping, parents, names, and a stat that answers null for missing. */
final class SftpPaths {

    private SftpPaths() {
    }

    /** JSch treats {@code *}, {@code ?} and {@code \} as glob syntax in most paths; a backslash makes them literal. */
    static String escape(String path) {
        return path.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    static SftpATTRS statOrNull(ChannelSftp channel, String remote) throws SftpException {
        try {
            return channel.lstat(escape(remote));
        } catch (SftpException e) {
            if (e.id == ChannelSftp.SSH_FX_NO_SUCH_FILE) {
                return null;
            }
            throw e;
        }
    }
}
