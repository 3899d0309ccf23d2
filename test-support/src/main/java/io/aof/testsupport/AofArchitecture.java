package io.aof.testsupport;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.DynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The layering every service keeps, checked on its compiled classes (tests
 * left out) by its {@code ArchitectureTest}; {@code docs/architecture.md}
 * ("Layering") says why each rule exists.
 *
 * <ul>
 *   <li>SQL only in {@code *Repository} and {@code *Store} classes: nothing else touches a
 *       {@code JdbcTemplate}, {@code JdbcClient}, a JDBC connection, or JPA's {@code EntityManager} and
 *       queries; a Spring Data repository is named {@code *Repository} too;</li>
 *   <li>a controller is used by nothing outside its own package;</li>
 *   <li>no service depends on another service's classes (they share {@code io.aof.common} and Kafka only);</li>
 *   <li>events leave only through the outbox: no class of a service uses a Kafka producer;</li>
 *   <li>HTTP statuses belong to the web layer: only controllers and their advice throw or build
 *       {@code ResponseStatusException}s and {@code ErrorResponseException}s; the domain throws its own
 *       exceptions ({@code DomainException}) and one shared {@code @RestControllerAdvice} ({@code DomainProblems}
 *       in common, imported by every service) maps them to problem details.</li>
 * </ul>
 */
public final class AofArchitecture {

    /** Every service (and the two programs that are not services); each one's root package is io.aof.NAME. */
    public static final List<String> SERVICES = List.of("collation", "orchestrator", "recovery", "notifier",
            "logger", "launcher", "simulator");

    private static final Set<String> SQL = Set.of("org.springframework.jdbc.core.JdbcTemplate",
            "org.springframework.jdbc.core.JdbcOperations", "org.springframework.jdbc.core.simple.JdbcClient",
            "org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate", "java.sql.Connection",
            "java.sql.Statement", "java.sql.PreparedStatement",
            // JPA: the entity manager and the queries it makes (Spring Data repositories are *Repository already)
            "jakarta.persistence.EntityManager", "jakarta.persistence.EntityManagerFactory",
            "jakarta.persistence.Query", "jakarta.persistence.TypedQuery", "org.hibernate.Session");
    private static final String SPRING_DATA_REPOSITORY = "org.springframework.data.repository.Repository";
    private static final Set<String> PRODUCERS = Set.of("org.springframework.kafka.core.KafkaTemplate",
            "org.springframework.kafka.core.KafkaOperations", "org.apache.kafka.clients.producer.Producer",
            "org.apache.kafka.clients.producer.KafkaProducer");
    private static final Set<String> HTTP_STATUS_EXCEPTIONS = Set.of(
            "org.springframework.web.server.ResponseStatusException",
            "org.springframework.web.ErrorResponseException", "io.aof.common.ops.Problems");
    private static final String REST_CONTROLLER = "org.springframework.web.bind.annotation.RestController";
    private static final String CONTROLLER = "org.springframework.stereotype.Controller";
    private static final String ADVICE = "org.springframework.web.bind.annotation.RestControllerAdvice";

    private AofArchitecture() {
    }

    /** The production classes of one service, e.g. {@code "notifier"} for {@code io.aof.notifier}. */
    public static JavaClasses importService(String service) {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.aof." + service);
    }

    /** The rules every service keeps. */
    public static List<ArchRule> serviceRules(String service) {
        String root = "io.aof." + service + "..";
        List<ArchRule> rules = new ArrayList<>();
        rules.add(noClasses().that().haveSimpleNameNotEndingWith("Repository")
                .and().haveSimpleNameNotEndingWith("Store")
                .should().dependOnClassesThat(named("SQL access", SQL))
                .as("SQL lives only in *Repository and *Store classes"));
        rules.add(classes().that().areAssignableTo(SPRING_DATA_REPOSITORY)
                .should().haveSimpleNameEndingWith("Repository")
                .as("Spring Data repositories are named *Repository").allowEmptyShould(true));
        rules.add(classes().that().areAnnotatedWith(REST_CONTROLLER).or().areAnnotatedWith(CONTROLLER)
                .should(beUsedOnlyInTheirOwnPackage())
                .as("controllers are not used outside their package").allowEmptyShould(true));
        List<String> others = SERVICES.stream().filter(s -> !s.equals(service)).map(s -> "io.aof." + s + "..")
                .toList();
        rules.add(noClasses().that().resideInAPackage(root)
                .should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
                .as("no service depends on another service's classes"));
        rules.add(noClasses().that().resideInAPackage(root)
                .should().dependOnClassesThat(named("a Kafka producer", PRODUCERS))
                .as("events are published only through the outbox"));
        rules.add(noClasses().that().areNotAnnotatedWith(REST_CONTROLLER).and().areNotAnnotatedWith(CONTROLLER)
                .and().areNotAnnotatedWith(ADVICE)
                .should().dependOnClassesThat(named("an HTTP status exception", HTTP_STATUS_EXCEPTIONS))
                .as("only controllers and their advice deal in HTTP statuses"));
        return rules;
    }

    /** One test per rule, each naming the classes that break it. */
    public static Stream<DynamicTest> check(String service, ArchRule... extra) {
        JavaClasses classes = importService(service);
        if (classes.isEmpty()) {
            throw new IllegalStateException("no classes found in io.aof." + service);
        }
        List<ArchRule> rules = new ArrayList<>(serviceRules(service));
        rules.addAll(List.of(extra));
        return rules.stream().map(rule -> DynamicTest.dynamicTest(rule.getDescription(), () -> rule.check(classes)));
    }

    static DescribedPredicate<JavaClass> named(String what, Set<String> names) {
        return DescribedPredicate.describe(what, c -> names.contains(c.getName()));
    }

    /** Every class that depends on it is in its package (its own nested classes included). */
    static ArchCondition<JavaClass> beUsedOnlyInTheirOwnPackage() {
        return new ArchCondition<>("be used only in their own package") {
            @Override
            public void check(JavaClass controller, ConditionEvents events) {
                for (Dependency d : controller.getDirectDependenciesToSelf()) {
                    JavaClass user = d.getOriginClass();
                    if (!user.getPackageName().equals(controller.getPackageName())) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                    }
                }
            }
        };
    }
}
