# One image recipe for every AOF service and the simulator. It packages the jar
# the Maven build made; it does not run Maven itself:
#   ./mvnw -DskipTests package
#   docker build --build-arg MODULE=orchestrator-service -t aof/orchestrator .
# (docker-compose.yml builds all of them.) Why not a Maven stage inside: the
# build already happened on the host (and in CI, `./mvnw verify` made these very
# jars), a second build inside would take minutes per image on two cores, need
# the network from inside the build and a JDK image from a registry, and
# docker-compose v1's classic builder would run that stage for every service.
# JRE_IMAGE: any Java 17 runtime with `useradd`; eclipse-temurin from Docker Hub
# by default, aof/jre:17 (.ci/docker-images, Debian's OpenJDK) where no registry
# is reachable.
ARG JRE_IMAGE=eclipse-temurin:17-jre
FROM ${JRE_IMAGE}
ARG MODULE
RUN useradd --system --uid 10001 aof
COPY ${MODULE}/target/${MODULE}-*-exec.jar /app/app.jar
USER aof
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
