import { EventEmitter } from 'node:events';

/** Domain events and their payloads. Side effects subscribe here instead of hiding in queries. */
export interface DomainEventMap {
  /** Sessions were revoked; live sockets of these sessions must close. */
  sessionsRevoked: [{ accountId: number; sessionIds: number[] }];
}

/** The in-process event bus (the embedded default of the Bus port). */
export type DomainEvents = EventEmitter<DomainEventMap>;

/** A new in-process event bus. */
export function createDomainEvents(): DomainEvents {
  return new EventEmitter<DomainEventMap>();
}
