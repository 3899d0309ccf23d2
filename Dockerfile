# One image recipe for every AOF service and the simulator:
#   docker build --build-arg MODULE=orchestrator-service -t aof/orchestrator .
# (docker-compose.yml builds all of them.) Stage 1 builds the module with the
# Maven wrapper; stage 2 runs its executable jar on a JRE.
FROM eclipse-temurin:17-jdk AS build
ARG MODULE
WORKDIR /src
COPY . .
RUN ./mvnw -q -DskipTests -pl ${MODULE} -am package \
 && cp ${MODULE}/target/${MODULE}-*-exec.jar /app.jar 2>/dev/null || cp ${MODULE}/target/${MODULE}-*.jar /app.jar

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 aof
USER aof
COPY --from=build /app.jar /app/app.jar
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
