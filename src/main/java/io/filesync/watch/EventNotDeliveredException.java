package io.filesync.watch;

/** The route an event went to failed with it; the watcher reports the change again later. */
public class EventNotDeliveredException extends RuntimeException {

    public EventNotDeliveredException(ChangeEvent event, Throwable cause) {
        super(event.type() + " " + event.path() + " failed: " + cause.getMessage(), cause);
    }
}
