package io.aof.deploy;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses Kubernetes manifests into the fabric8 model (8.0.0, on Jackson 3) so that a field the model does not know
 * is an error.
 *
 * <p>fabric8's model classes keep unknown fields in an {@code additionalProperties} map ({@code @JsonAnySetter}),
 * so a plain Jackson mapper, even with {@code FAIL_ON_UNKNOWN_PROPERTIES}, accepts {@code imagePullPolicyy} or a
 * probe put one level too deep, and so does fabric8's own {@code Serialization}. This mapper ignores the any-setters:
 * an unknown field then fails with Jackson's {@code UnrecognizedPropertyException}, naming the field, the class
 * and the path. Scalars are not coerced ({@code replicas: "2"} fails, as the API server's schema would refuse it).
 *
 * <p>Only the kinds AOF's manifests use are known; any other kind fails, so a new kind is added here on purpose.
 * Custom resources (the Prometheus Operator's ServiceMonitor, KEDA's ScaledObject and TriggerAuthentication) have no
 * fabric8 model: they are read as {@link GenericKubernetesResource} and checked structurally by the test.
 */
final class StrictModel {

    /** Kinds with a fabric8 model class: apiVersion/kind as fabric8 annotates the class. */
    private static final Map<String, Class<? extends HasMetadata>> MODELED = new LinkedHashMap<>();

    static {
        for (Class<? extends HasMetadata> c : List.of(Namespace.class, ConfigMap.class, Secret.class, Service.class,
                Deployment.class, PodDisruptionBudget.class)) {
            MODELED.put(HasMetadata.getApiVersion(c) + "/" + HasMetadata.getKind(c), c);
        }
    }

    /** Custom resources the manifests may hold, by apiVersion/kind. */
    static final Set<String> CUSTOM = Set.of("monitoring.coreos.com/v1/ServiceMonitor",
            "keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication");

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                    return false;   // no additionalProperties: an unknown field is an error
                }
            })
            .build();

    /** The lenient mapper, for custom resources: everything they hold lands in additionalProperties. */
    private static final ObjectMapper LENIENT = JsonMapper.builder().build();

    private StrictModel() {
    }

    /** Every document of a multi-document YAML stream (empty documents skipped). */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(yaml)) {
            var values = YAML.readValues(parser, JsonNode.class);
            while (values.hasNext()) {
                JsonNode doc = values.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /**
     * One manifest into its fabric8 model class, failing on any field the model does not know; a custom resource
     * into a {@link GenericKubernetesResource}.
     *
     * @throws IllegalArgumentException for a kind neither modeled nor a known custom resource, or a field the model
     *                                  does not know (its cause is Jackson's exception, which names it)
     */
    static HasMetadata parse(JsonNode doc) {
        String key = doc.path("apiVersion").asString() + "/" + doc.path("kind").asString();
        try {
            Class<? extends HasMetadata> type = MODELED.get(key);
            if (type != null) {
                return STRICT.treeToValue(doc, type);
            }
            if (CUSTOM.contains(key)) {
                return LENIENT.treeToValue(doc, GenericKubernetesResource.class);
            }
        } catch (JacksonException e) {
            throw new IllegalArgumentException(key + " " + doc.path("metadata").path("name").asString() + ": "
                    + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unknown kind " + key + " (" + doc.path("metadata").path("name").asString()
                + "): add its fabric8 model class or its structural check to the test");
    }

    /** A YAML file or string as a tree (the services' own configuration). */
    static JsonNode tree(String yaml) {
        return YAML.readTree(yaml);
    }
}
