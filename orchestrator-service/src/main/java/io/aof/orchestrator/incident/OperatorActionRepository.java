package io.aof.orchestrator.incident;

import org.springframework.data.repository.Repository;

/** The orchestrator's audit trail of operator actions: appended to, never changed (retention deletes by age). */
interface OperatorActionRepository extends Repository<OperatorAction, Long> {

    OperatorAction save(OperatorAction action);
}
