package io.filesync.output;

import io.filesync.core.FilesyncHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/**
 * Takes the operation and path from {@link WriterHeaders} (content: the body), or else a JSON {@link WriteCommand}
 * from the body. A refused command fails the exchange with a BadInputException, which the shared error handling
 * records and logs without redelivery; the route goes on with the next message.
 */
public class WriterProducer extends DefaultProducer {

    private volatile SandboxedWriter writer;

    public WriterProducer(WriterEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public WriterEndpoint getEndpoint() {
        return (WriterEndpoint) super.getEndpoint();
    }

    /**
     * Refuses a root that overlaps a watched input at once, but creates the root only on the first command: Camel
     * starts the producers of a route that is off too, and a host that loads the routes without enabling the writer
     * must find no new folder in its working directory.
     */
    @Override
    protected void doStart() throws Exception {
        super.doStart();
        getEndpoint().refuseOverlap();
    }

    private SandboxedWriter writer() {
        SandboxedWriter current = writer;
        if (current == null) {
            synchronized (this) {
                if (writer == null) {
                    writer = getEndpoint().newWriter();
                }
                current = writer;
            }
        }
        return current;
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getMessage();
        String operation = in.getHeader(WriterHeaders.OPERATION, String.class);
        String path = in.getHeader(WriterHeaders.PATH, String.class);
        WriteCommand command = operation != null || path != null
                ? new WriteCommand(WriteOperation.parse(operation, path), path, in.getBody(byte[].class))
                : WriteCommand.fromJson(in.getBody(String.class));
        in.setHeader(FilesyncHeaders.SOURCE, command.path());
        SandboxedWriter.WriteResult result = writer().apply(command);
        in.setHeader(WriterHeaders.WRITTEN_FILE, result.file().toString());
        in.setHeader(WriterHeaders.WRITTEN_BYTES, result.bytes());
        if (command.operation() == WriteOperation.DELETE) {
            in.setHeader(WriterHeaders.DELETED, result.existed());
        }
    }
}
