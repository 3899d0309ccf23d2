package io.aof.common.events;

/**
 * One Kafka topic of AOF: its name and the payload type on it. Keys are always
 * the incident id (or the recipe for recipe-level facts), so one incident's
 * events stay in order on one partition.
 */
public record Topic<T extends AofEvent>(String name, Class<T> payloadType) {

    /** Dead-letter topic of this topic: bad messages go there, are logged and counted, never dropped. */
    public String deadLetterName() {
        return name + Topics.DLT_SUFFIX;
    }
}
