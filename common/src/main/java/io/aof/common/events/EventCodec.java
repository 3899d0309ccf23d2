package io.aof.common.events;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for events on the wire. Unknown fields are ignored (older readers keep
 * working when a field is added); a payload with a newer schema version than
 * this code knows, or one that is not valid for its topic, is refused with
 * {@link EventDecodingException}, which the Kafka error handler sends to the
 * topic's dead-letter topic instead of retrying it.
 */
public final class EventCodec {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private EventCodec() {
    }

    public static String encode(AofEvent event) {
        return MAPPER.writeValueAsString(event);
    }

    public static <T extends AofEvent> T decode(Topic<T> topic, String json) {
        if (json == null || json.isBlank()) {
            throw new EventDecodingException("empty payload on " + topic.name());
        }
        try {
            JsonNode tree = MAPPER.readTree(json);
            JsonNode version = tree.get("schemaVersion");
            if (version == null || !version.isIntegralNumber()) {
                throw new EventDecodingException("payload on " + topic.name() + " has no integer schemaVersion");
            }
            if (version.asInt() > AofEvent.SCHEMA_VERSION) {
                throw new EventDecodingException("payload on " + topic.name() + " has schemaVersion "
                        + version.asInt() + ", this service reads up to " + AofEvent.SCHEMA_VERSION);
            }
            T event = MAPPER.treeToValue(tree, topic.payloadType());
            if (event.eventId() == null || event.occurredAt() == null) {
                throw new EventDecodingException("payload on " + topic.name() + " lacks eventId or occurredAt");
            }
            return event;
        } catch (JacksonException e) {
            throw new EventDecodingException("payload on " + topic.name() + " is not a valid "
                    + topic.payloadType().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** A tree view for consumers (the logger) that store any event without knowing its type. */
    public static JsonNode readTree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new EventDecodingException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }
}
