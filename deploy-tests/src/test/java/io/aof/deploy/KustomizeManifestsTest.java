package io.aof.deploy;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Kubernetes manifests under {@code deploy/}: the base and every overlay are rendered with
 * {@code kubectl kustomize} (skipped, saying why, where kubectl is missing), every rendered manifest is parsed into
 * the fabric8 model failing on unknown fields ({@link StrictModel}), custom resources are checked structurally, and
 * the things that matter are asserted against the services' own configuration (ports, health groups, consumer
 * groups), the Dockerfile (the user id) and each other (selectors, names, secret keys).
 *
 * <p>What this does not do: apply anything to a cluster (there is none here), nor validate against a cluster's
 * admission (Pod Security, webhooks), nor the CRD schemas of KEDA and the Prometheus Operator (not installed).
 */
class KustomizeManifestsTest {

    /** service name (Deployment, Service, image aof/NAME) and its Maven module. */
    static final Map<String, String> SERVICES = new LinkedHashMap<>();

    static {
        for (String s : List.of("collation", "orchestrator", "recovery", "notifier", "logger")) {
            SERVICES.put(s, s + "-service");
        }
    }

    /** Names of variables, ConfigMap keys and Secret keys that hold secrets. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(PASSWORD|TOKEN|SECRET|HASH|JAAS|CREDENTIAL|PRIVATE|API_?KEY).*");
    /** Values that look like a secret whatever their name: a JAAS password, a Slack token, a BCrypt hash, a key. */
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "(?i)(password\\s*=|xox[abpr]-|\\$2[aby]\\$|BEGIN [A-Z ]*PRIVATE KEY)");

    static final Path ROOT = findRoot();

    private static String kubectl;

    @BeforeAll
    static void kubectlWithKustomize() {
        String why = kubectlMissing();
        assumeTrue(why == null, () -> "Kubernetes manifests not rendered: " + why);
    }

    static Stream<String> kustomizations() throws IOException {
        List<String> dirs = new ArrayList<>(List.of("base"));
        try (Stream<Path> overlays = Files.list(ROOT.resolve("deploy/overlays"))) {
            overlays.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> "overlays/" + d.getFileName()).sorted().forEach(dirs::add);
        }
        return dirs.stream();
    }

    @Test
    void thereIsAProductionOverlayAndAKedaOne() throws IOException {
        assertThat(kustomizations()).contains("base", "overlays/production", "overlays/production-keda");
    }

    @ParameterizedTest(name = "deploy/{0}")
    @MethodSource("kustomizations")
    void rendersAndEveryManifestParsesStrictlyAndHoldsWhatMatters(String dir) {
        Rendered r = Rendered.of(dir);
        List<String> problems = new ArrayList<>();

        // secrets are referenced, never shipped
        if (!r.of(Secret.class).isEmpty()) {
            problems.add("a Secret is rendered: secrets are created by the operator, not shipped");
        }
        // one namespace for all (an overlay's namespace reaches every resource, custom ones included)
        Set<String> namespaces = r.all.stream().filter(m -> !"Namespace".equals(m.getKind()))
                .map(m -> String.valueOf(m.getMetadata().getNamespace())).collect(Collectors.toCollection(TreeSet::new));
        if (namespaces.size() != 1) {
            problems.add("resources in several namespaces: " + namespaces);
        }
        for (ConfigMap cm : r.of(ConfigMap.class)) {
            cm.getData().forEach((k, v) -> {
                if (SECRET_NAME.matcher(k).matches() || SECRET_VALUE.matcher(v).find()) {
                    problems.add("ConfigMap " + cm.getMetadata().getName() + " holds a secret: " + k);
                }
            });
        }

        assertThat(r.of(Deployment.class)).extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(SERVICES.keySet());
        for (Deployment d : r.of(Deployment.class)) {
            checkDeployment(dir, r, d, problems);
        }
        r.customs("monitoring.coreos.com/v1", "ServiceMonitor").forEach(sm -> checkServiceMonitor(r, sm, problems));
        r.customs("keda.sh/v1alpha1", "ScaledObject").forEach(so -> checkScaledObject(r, so, problems));
        r.customs("keda.sh/v1alpha1", "TriggerAuthentication").forEach(ta -> checkTriggerAuthentication(ta, problems));

        assertThat(problems).as("deploy/%s", dir).isEmpty();
    }

    @Test
    void productionScrapesWithTheMetricsUserAndKedaScalesOnlyWhatMayScale() {
        assertThat(Rendered.of("overlays/production").customs("monitoring.coreos.com/v1", "ServiceMonitor"))
                .hasSize(1);
        Rendered keda = Rendered.of("overlays/production-keda");
        assertThat(keda.customs("keda.sh/v1alpha1", "ScaledObject"))
                .extracting(so -> spec(so).path("scaleTargetRef").path("name").asString())
                .containsExactlyInAnyOrder("orchestrator", "logger");
    }

    /** The strictness itself, so that it cannot quietly go: a misspelled field, a field one level off, a string. */
    @Test
    void aMisspelledOrMisplacedFieldOrAQuotedNumberFailsTheParse() {
        JsonNode deployment = Rendered.documents("overlays/production").stream()
                .filter(d -> "Deployment".equals(d.path("kind").asString())).findFirst().orElseThrow();

        ObjectNode misspelled = (ObjectNode) deployment.deepCopy();
        ((ObjectNode) misspelled.at("/spec/template/spec/containers/0")).put("imagePullPolicyy", "Always");
        assertThatThrownBy(() -> StrictModel.parse(misspelled)).isInstanceOf(IllegalArgumentException.class)
                .hasCauseInstanceOf(UnrecognizedPropertyException.class).hasMessageContaining("imagePullPolicyy");

        ObjectNode misplaced = (ObjectNode) deployment.deepCopy();   // a container field on the pod
        ((ObjectNode) misplaced.at("/spec/template/spec")).set("readinessProbe",
                misplaced.at("/spec/template/spec/containers/0/readinessProbe"));
        assertThatThrownBy(() -> StrictModel.parse(misplaced)).hasMessageContaining("readinessProbe");

        ObjectNode quoted = (ObjectNode) deployment.deepCopy();
        ((ObjectNode) quoted.at("/spec")).put("replicas", "2");
        assertThatThrownBy(() -> StrictModel.parse(quoted)).hasMessageContaining("replicas");

        ObjectNode unknownKind = (ObjectNode) deployment.deepCopy();
        unknownKind.put("kind", "StatefulSet");
        assertThatThrownBy(() -> StrictModel.parse(unknownKind)).hasMessageContaining("unknown kind");
    }

    /** The example Secrets parse, hold only placeholders, name every key a Deployment requires, and no overlay uses them. */
    @Test
    void theSecretExampleNamesEveryRequiredKeyAndHoldsNoValue() throws IOException {
        String example = Files.readString(ROOT.resolve("deploy/secret.example.yaml"));
        Map<String, Secret> secrets = StrictModel.documents(example).stream().map(StrictModel::parse)
                .map(Secret.class::cast).collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s));
        assertThat(secrets).containsOnlyKeys("aof-secrets", "aof-metrics-scrape", "aof-keda-kafka");
        // placeholders, and the few values that are no secret (a user name, KEDA's SASL mechanism and TLS switch)
        Set<String> allowed = Set.of("CHANGE-ME", "prometheus", "scram_sha512", "enable");
        secrets.values().forEach(s -> s.getStringData().forEach((k, v) ->
                assertThat(v).as("%s %s", s.getMetadata().getName(), k).isIn(allowed)));

        Rendered keda = Rendered.of("overlays/production-keda");
        for (Deployment d : keda.of(Deployment.class)) {
            for (EnvVar e : container(d).getEnv()) {
                var ref = e.getValueFrom() == null ? null : e.getValueFrom().getSecretKeyRef();
                if (ref == null) {
                    continue;
                }
                assertThat(secrets).as("Secret of %s", e.getName()).containsKey(ref.getName());
                if (Boolean.TRUE.equals(ref.getOptional())) {
                    assertThat(example).as("optional key %s mentioned", ref.getKey()).contains(ref.getKey());
                } else {
                    assertThat(secrets.get(ref.getName()).getStringData()).as("%s of %s", ref.getKey(), d.getMetadata()
                            .getName()).containsKey(ref.getKey());
                }
            }
        }
        keda.customs("keda.sh/v1alpha1", "TriggerAuthentication").forEach(ta -> spec(ta).path("secretTargetRef")
                .forEach(t -> assertThat(secrets.get(t.path("name").asString()).getStringData())
                        .containsKey(t.path("key").asString())));
        keda.customs("monitoring.coreos.com/v1", "ServiceMonitor").forEach(sm -> spec(sm).path("endpoints")
                .forEach(ep -> ep.path("basicAuth").forEach(ref -> assertThat(secrets.get(ref.path("name").asString())
                        .getStringData()).containsKey(ref.path("key").asString()))));

        for (String dir : kustomizations().toList()) {
            String kustomization = Files.readAllLines(ROOT.resolve("deploy").resolve(dir).resolve("kustomization.yaml"))
                    .stream().filter(l -> !l.strip().startsWith("#")).collect(Collectors.joining("\n"));
            assertThat(kustomization).as("deploy/%s uses no secret file", dir)
                    .doesNotContain("secret.example").doesNotContain("secret.yaml").doesNotContain("secretGenerator");
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    private static void checkDeployment(String dir, Rendered r, Deployment d, List<String> problems) {
        String name = d.getMetadata().getName();
        String at = "Deployment " + name + ": ";
        ServiceConfig config = ServiceConfig.of(SERVICES.get(name));
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        if (pod.getContainers().size() != 1) {
            problems.add(at + "one container expected, found " + pod.getContainers().size());
            return;
        }
        Container c = pod.getContainers().get(0);

        // image aof/<name> from the Dockerfile; an overlay gives it a tag
        String image = c.getImage();
        String repo = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
        String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "";
        if (!repo.equals("aof/" + name) && !repo.endsWith("/aof/" + name)) {
            problems.add(at + "image " + image + " is not aof/" + name);
        }
        if (!dir.equals("base") && (tag.isEmpty() || tag.equals("latest"))) {
            problems.add(at + "image " + image + " has no fixed tag");
        }

        // the port the service listens on (server.port in <module>.yml), named http
        Integer port = c.getPorts().stream().filter(p -> "http".equals(p.getName()))
                .map(p -> p.getContainerPort()).findFirst().orElse(null);
        if (!Objects.equals(port, config.port)) {
            problems.add(at + "container port http " + port + ", but " + config.module + " listens on " + config.port);
        }

        // probes on the Actuator health groups
        if (!config.probesEnabled || !config.hasReadinessGroup) {
            problems.add(at + config.module + ".yml has no health probes or readiness group");
        }
        checkProbe(at + "readiness", c.getReadinessProbe(), "/actuator/health/readiness", problems);
        checkProbe(at + "liveness", c.getLivenessProbe(), "/actuator/health/liveness", problems);
        if (c.getStartupProbe() != null) {
            checkProbe(at + "startup", c.getStartupProbe(), "/actuator/health/liveness", problems);
        }

        // resources: requests and limits of both; memory requested as limited (a JVM does not give memory
        // back, so a pod over its request is the first evicted); the heap well inside the limit
        ResourceRequirements res = c.getResources();
        if (res == null || res.getRequests() == null || res.getLimits() == null) {
            problems.add(at + "no resources");
        } else {
            for (String k : List.of("cpu", "memory")) {
                if (!res.getRequests().containsKey(k) || !res.getLimits().containsKey(k)) {
                    problems.add(at + "no " + k + " request or limit");
                }
            }
            Quantity limit = res.getLimits().get("memory");
            Quantity request = res.getRequests().get("memory");
            if (limit != null && request != null
                    && Quantity.getAmountInBytes(limit).compareTo(Quantity.getAmountInBytes(request)) != 0) {
                problems.add(at + "memory request " + request + " differs from its limit " + limit);
            }
            BigDecimal heap = heapBytes(c);
            if (heap == null) {
                problems.add(at + "no -Xmx in JAVA_TOOL_OPTIONS (the Dockerfile's MaxRAMPercentage=75 would apply)");
            } else if (limit != null && heap.compareTo(Quantity.getAmountInBytes(limit).multiply(new BigDecimal("0.6"))) > 0) {
                problems.add(at + "heap " + heap + " B leaves under 40% of the memory limit " + limit + " off-heap");
            }
        }

        // non-root as the Dockerfile's user, read-only root with /tmp an emptyDir, no capabilities
        var podSec = pod.getSecurityContext();
        if (podSec == null || !Boolean.TRUE.equals(podSec.getRunAsNonRoot())
                || !Objects.equals(podSec.getRunAsUser(), dockerfileUid())) {
            problems.add(at + "pod not runAsNonRoot as uid " + dockerfileUid());
        }
        var sec = c.getSecurityContext();
        if (sec == null || !Boolean.TRUE.equals(sec.getReadOnlyRootFilesystem())
                || !Boolean.FALSE.equals(sec.getAllowPrivilegeEscalation()) || sec.getCapabilities() == null
                || !List.of("ALL").equals(sec.getCapabilities().getDrop())
                || (sec.getCapabilities().getAdd() != null && !sec.getCapabilities().getAdd().isEmpty())
                || (sec.getRunAsUser() != null && sec.getRunAsUser() == 0)) {
            problems.add(at + "container not read-only root, no privilege escalation, all capabilities dropped");
        }
        String tmpVolume = c.getVolumeMounts() == null ? null : c.getVolumeMounts().stream()
                .filter(m -> "/tmp".equals(m.getMountPath())).map(m -> m.getName()).findFirst().orElse(null);
        Optional<Volume> tmp = pod.getVolumes() == null ? Optional.empty()
                : pod.getVolumes().stream().filter(v -> v.getName().equals(tmpVolume)).findFirst();
        if (tmp.isEmpty() || tmp.get().getEmptyDir() == null) {
            problems.add(at + "no emptyDir at /tmp (the root file system is read-only)");
        }
        if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
            problems.add(at + "mounts a service account token it never uses");
        }

        // no secret value inline: secrets only through secretKeyRef / envFrom secretRef
        for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            if (e.getValue() != null && (SECRET_NAME.matcher(e.getName()).matches()
                    || SECRET_VALUE.matcher(e.getValue()).find())) {
                problems.add(at + "secret " + e.getName() + " given inline");
            }
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() == null
                    && SECRET_NAME.matcher(e.getName()).matches()) {
                problems.add(at + "secret " + e.getName() + " not from a Secret");
            }
        }
        for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
            if (from.getConfigMapRef() != null
                    && r.named(ConfigMap.class, from.getConfigMapRef().getName()).isEmpty()) {
                problems.add(at + "envFrom names ConfigMap " + from.getConfigMapRef().getName() + ", not rendered");
            }
        }

        // replicas: at least two unless KEDA owns them; collation never under KEDA (one instance sweeps, and its
        // reads are Workato's budget shared by all instances: more pods add no speed)
        boolean scaled = r.customs("keda.sh/v1alpha1", "ScaledObject").stream()
                .anyMatch(so -> name.equals(spec(so).path("scaleTargetRef").path("name").asString()));
        Integer replicas = d.getSpec().getReplicas();
        if (name.equals("collation") && scaled) {
            problems.add(at + "collation scaled by KEDA: its sweep is one instance's and its reads a shared budget");
        } else if (scaled ? replicas != null : (replicas == null || replicas < 2)) {
            problems.add(at + (scaled ? "replicas set although KEDA owns them" : "fewer than two replicas"));
        }

        // a Service and a PodDisruptionBudget that select these pods (and no other service's)
        List<Service> services = r.of(Service.class).stream()
                .filter(s -> selects(s.getSpec().getSelector(), podLabels)).toList();
        if (services.size() != 1 || !services.get(0).getMetadata().getName().equals(name)) {
            problems.add(at + "not selected by exactly its Service " + name + ": " + services.stream()
                    .map(s -> s.getMetadata().getName()).toList());
        } else {
            ServicePort sp = services.get(0).getSpec().getPorts().stream()
                    .filter(p -> "http".equals(p.getName())).findFirst().orElse(null);
            if (sp == null || !Objects.equals(sp.getPort(), config.port) || sp.getTargetPort() == null
                    || !"http".equals(sp.getTargetPort().getStrVal())) {
                problems.add(at + "Service port http is not " + config.port + " to the container's port http");
            }
        }
        for (Deployment other : r.of(Deployment.class)) {
            if (other != d && selects(services.isEmpty() ? null : services.get(0).getSpec().getSelector(),
                    other.getSpec().getTemplate().getMetadata().getLabels())) {
                problems.add(at + "its Service also selects " + other.getMetadata().getName());
            }
        }
        List<PodDisruptionBudget> pdbs = r.of(PodDisruptionBudget.class).stream()
                .filter(p -> selects(p.getSpec().getSelector().getMatchLabels(), podLabels)).toList();
        if (pdbs.size() != 1) {
            problems.add(at + pdbs.size() + " PodDisruptionBudgets select it, one expected");
        } else if (replicas != null && replicas == 1 && pdbs.get(0).getSpec().getMinAvailable() != null) {
            problems.add(at + "one replica with minAvailable: every node drain would block");
        }
    }

    private static void checkProbe(String at, Probe p, String path, List<String> problems) {
        HTTPGetAction get = p == null ? null : p.getHttpGet();
        if (get == null || !path.equals(get.getPath()) || !"http".equals(get.getPort().getStrVal())
                || get.getHttpHeaders() != null && !get.getHttpHeaders().isEmpty()) {
            problems.add(at + " probe is not GET " + path + " on port http without credentials");
        }
    }

    private static void checkServiceMonitor(Rendered r, GenericKubernetesResource sm, List<String> problems) {
        String at = "ServiceMonitor " + sm.getMetadata().getName() + ": ";
        JsonNode spec = spec(sm);
        keys(at + "spec", spec, Set.of("selector", "endpoints"), Set.of("namespaceSelector", "jobLabel",
                "targetLabels", "podTargetLabels", "sampleLimit", "attachMetadata"), problems);
        keys(at + "selector", spec.path("selector"), Set.of("matchLabels"), Set.of("matchExpressions"), problems);
        Map<String, String> match = new LinkedHashMap<>();
        spec.path("selector").path("matchLabels").properties().forEach(e -> match.put(e.getKey(), e.getValue().asString()));
        List<String> selected = r.of(Service.class).stream()
                .filter(s -> selects(match, s.getMetadata().getLabels())).map(s -> s.getMetadata().getName()).toList();
        if (!new TreeSet<>(selected).equals(new TreeSet<>(SERVICES.keySet()))) {
            problems.add(at + "selects the Services " + selected + ", not the five");
        }
        if (spec.path("endpoints").size() != 1) {
            problems.add(at + "one endpoint expected");
        }
        for (JsonNode ep : spec.path("endpoints")) {
            keys(at + "endpoint", ep, Set.of("port", "path", "basicAuth"), Set.of("interval", "scrapeTimeout",
                    "scheme", "tlsConfig", "relabelings", "metricRelabelings", "honorLabels"), problems);
            if (!"/actuator/prometheus".equals(ep.path("path").asString()) || !"http".equals(ep.path("port").asString())) {
                problems.add(at + "does not scrape /actuator/prometheus on port http");
            }
            keys(at + "basicAuth", ep.path("basicAuth"), Set.of("username", "password"), Set.of(), problems);
            for (String k : List.of("username", "password")) {
                keys(at + "basicAuth." + k, ep.path("basicAuth").path(k), Set.of("name", "key"), Set.of("optional"),
                        problems);
            }
        }
    }

    private static void checkScaledObject(Rendered r, GenericKubernetesResource so, List<String> problems) {
        String at = "ScaledObject " + so.getMetadata().getName() + ": ";
        JsonNode spec = spec(so);
        keys(at + "spec", spec, Set.of("scaleTargetRef", "triggers", "minReplicaCount", "maxReplicaCount"),
                Set.of("pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "idleReplicaCount", "advanced",
                        "fallback"), problems);
        keys(at + "scaleTargetRef", spec.path("scaleTargetRef"), Set.of("name"),
                Set.of("kind", "apiVersion", "envSourceContainerName"), problems);
        String target = spec.path("scaleTargetRef").path("name").asString();
        if (r.named(Deployment.class, target).isEmpty()) {
            problems.add(at + "scales " + target + ", which is not rendered");
            return;
        }
        if (!Set.of("orchestrator", "logger").contains(target)) {
            problems.add(at + target + " is not to be scaled on lag (see components/keda)");
        }
        if (spec.path("minReplicaCount").asInt() < 2 || spec.path("maxReplicaCount").asInt() > partitions()
                || spec.path("minReplicaCount").asInt() > spec.path("maxReplicaCount").asInt()) {
            problems.add(at + "replicas not within 2.." + partitions() + " (the topics' partitions)");
        }
        String bootstrap = r.of(ConfigMap.class).stream().map(cm -> cm.getData().get("AOF_KAFKA_BOOTSTRAP"))
                .filter(Objects::nonNull).findFirst().orElse(null);
        for (JsonNode t : spec.path("triggers")) {
            keys(at + "trigger", t, Set.of("type", "metadata", "authenticationRef"), Set.of("name", "metricType",
                    "useCachedMetrics"), problems);
            JsonNode md = t.path("metadata");
            keys(at + "kafka metadata", md, Set.of("bootstrapServers", "consumerGroup", "lagThreshold"),
                    Set.of("topic", "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers",
                            "scaleToZeroOnInvalidOffset", "excludePersistentLag", "limitToPartitionsWithLag",
                            "partitionLimitation", "sasl", "tls", "version"), problems);
            md.properties().forEach(e -> {
                if (!e.getValue().isString()) {
                    problems.add(at + "metadata." + e.getKey() + " is not a string (KEDA's metadata is strings)");
                }
            });
            if (!"kafka".equals(t.path("type").asString())) {
                problems.add(at + "trigger type " + t.path("type").asString() + ", not kafka");
            }
            if (!md.path("bootstrapServers").asString().equals(bootstrap)) {
                problems.add(at + "bootstrapServers " + md.path("bootstrapServers").asString()
                        + " are not the services' AOF_KAFKA_BOOTSTRAP " + bootstrap);
            }
            String group = ServiceConfig.of(SERVICES.get(target)).groupId;
            if (!md.path("consumerGroup").asString().equals(group)) {
                problems.add(at + "consumerGroup " + md.path("consumerGroup").asString() + ", but " + target
                        + " consumes as " + group);
            }
            String auth = t.path("authenticationRef").path("name").asString();
            if (r.customs("keda.sh/v1alpha1", "TriggerAuthentication").stream()
                    .noneMatch(ta -> auth.equals(ta.getMetadata().getName()))) {
                problems.add(at + "authenticationRef " + auth + " is not rendered");
            }
        }
    }

    private static void checkTriggerAuthentication(GenericKubernetesResource ta, List<String> problems) {
        String at = "TriggerAuthentication " + ta.getMetadata().getName() + ": ";
        keys(at + "spec", spec(ta), Set.of("secretTargetRef"), Set.of("env", "configMapTargetRef", "podIdentity"),
                problems);
        for (JsonNode ref : spec(ta).path("secretTargetRef")) {
            keys(at + "secretTargetRef", ref, Set.of("parameter", "name", "key"), Set.of(), problems);
        }
    }

    /** The object's keys are all known, and the required ones are there. */
    private static void keys(String at, JsonNode node, Set<String> required, Set<String> optional,
                             List<String> problems) {
        if (!node.isObject()) {
            problems.add(at + " missing or not an object");
            return;
        }
        for (String k : required) {
            if (!node.has(k)) {
                problems.add(at + " lacks " + k);
            }
        }
        node.propertyNames().forEach(k -> {
            if (!required.contains(k) && !optional.contains(k)) {
                problems.add(at + " has an unknown field " + k);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static final ObjectMapper TREES = JsonMapper.builder().build();

    /** A custom resource's spec (fabric8 keeps it in additionalProperties). */
    static JsonNode spec(GenericKubernetesResource r) {
        return TREES.valueToTree(r.getAdditionalProperties()).path("spec");
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static Container container(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static BigDecimal heapBytes(Container c) {
        String opts = c.getEnv() == null ? null : c.getEnv().stream().filter(e -> "JAVA_TOOL_OPTIONS".equals(e.getName()))
                .map(EnvVar::getValue).filter(Objects::nonNull).findFirst().orElse(null);
        Matcher m = opts == null ? null : Pattern.compile("-Xmx(\\d+)([mMgG])").matcher(opts);
        if (m == null || !m.find()) {
            return null;
        }
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(
                m.group(2).equalsIgnoreCase("g") ? 1L << 30 : 1L << 20));
    }

    /** The user id the Dockerfile runs the services as. */
    static Long dockerfileUid() {
        Matcher m = Pattern.compile("--uid (\\d+)").matcher(read(ROOT.resolve("Dockerfile")));
        assertThat(m.find()).as("the Dockerfile creates its user with --uid").isTrue();
        return Long.valueOf(m.group(1));
    }

    /** The partitions AOF creates its topics with (aof.topics.partitions): no more consumers than that. */
    static int partitions() {
        Matcher m = Pattern.compile("@DefaultValue\\(\"(\\d+)\"\\) int partitions").matcher(read(
                ROOT.resolve("common/src/main/java/io/aof/common/messaging/AofProperties.java")));
        assertThat(m.find()).as("AofProperties' default partitions").isTrue();
        return Integer.parseInt(m.group(1));
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/base"))) {
            p = p.getParent();
        }
        return Objects.requireNonNull(p, "no deploy/base above the working directory");
    }

    /** Why the manifests cannot be rendered here, or null when kubectl with Kustomize v5 is on the PATH. */
    private static String kubectlMissing() {
        for (String candidate : List.of("kubectl", "/usr/bin/kubectl", "/usr/local/bin/kubectl")) {
            try {
                Process p = new ProcessBuilder(candidate, "version", "--client").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    continue;
                }
                Matcher m = Pattern.compile("Kustomize Version: v(\\d+)").matcher(out);
                if (!m.find() || Integer.parseInt(m.group(1)) < 5) {
                    return candidate + " has no Kustomize v5 (components, labels): " + out.trim().replace('\n', ' ');
                }
                kubectl = candidate;
                return null;
            } catch (IOException e) {
                // not there: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return "kubectl is not installed (it renders Kustomize; Debian bookworm's kubernetes-client 1.20 is too old)";
    }

    /** One kustomization rendered by kubectl and parsed: the models, in the order rendered. */
    record Rendered(List<HasMetadata> all) {

        static List<JsonNode> documents(String dir) {
            try {
                Process p = new ProcessBuilder(kubectl, "kustomize", ROOT.resolve("deploy").resolve(dir).toString())
                        .redirectError(ProcessBuilder.Redirect.PIPE).start();
                var err = p.getErrorStream();
                String out = new String(p.getInputStream().readAllBytes());
                String errors = new String(err.readAllBytes());
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize deploy/%s ends", dir).isTrue();
                assertThat(p.exitValue()).as("kubectl kustomize deploy/%s: %s", dir, errors).isZero();
                return StrictModel.documents(out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        static Rendered of(String dir) {
            return new Rendered(documents(dir).stream().map(StrictModel::parse).toList());
        }

        <T extends HasMetadata> List<T> of(Class<T> type) {
            return all.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
            return of(type).stream().filter(m -> name.equals(m.getMetadata().getName())).findFirst();
        }

        List<GenericKubernetesResource> customs(String apiVersion, String kind) {
            return of(GenericKubernetesResource.class).stream()
                    .filter(g -> apiVersion.equals(g.getApiVersion()) && kind.equals(g.getKind())).toList();
        }
    }

    /** What a service's own configuration ({@code <module>/src/main/resources/<module>.yml}) says. */
    record ServiceConfig(String module, Integer port, String groupId, boolean probesEnabled,
                         boolean hasReadinessGroup) {

        static ServiceConfig of(String module) {
            JsonNode yml = StrictModel.tree(read(ROOT.resolve(module).resolve("src/main/resources")
                    .resolve(module + ".yml")));
            // server.port: ${COLLATION_PORT:8081}: the default is the port in the image
            Matcher m = Pattern.compile("\\$\\{[A-Z_]+:(\\d+)}|^(\\d+)$").matcher(yml.at("/server/port").asString());
            Integer port = m.find() ? Integer.valueOf(m.group(1) != null ? m.group(1) : m.group(2)) : null;
            JsonNode health = yml.at("/management/endpoint/health");
            return new ServiceConfig(module, port, yml.at("/spring/kafka/consumer/group-id").asString(null),
                    health.at("/probes/enabled").asBoolean(false),
                    health.at("/group/readiness/include").asString("").contains("db"));
        }
    }
}
