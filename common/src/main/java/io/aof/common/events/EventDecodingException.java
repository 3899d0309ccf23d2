package io.aof.common.events;

/** A message that can never be processed: it goes to the dead-letter topic at once. */
public class EventDecodingException extends RuntimeException {

    public EventDecodingException(String message) {
        super(message);
    }

    public EventDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
