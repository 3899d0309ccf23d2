#!/bin/bash
# As in the apache/kafka image (docker-compose.yml's health check calls it).
exec java -Xmx128m -Dlog4j2.configurationFile=/opt/kafka/config/log4j2-tools.properties -cp '/opt/kafka/libs/*' \
  org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
