import { Injectable } from '@nestjs/common';

/** A named readiness check: resolves true when the dependency is usable; may throw or resolve false otherwise. */
export type ReadinessCheck = () => Promise<boolean | { up: boolean; [detail: string]: unknown }>;

/**
 * Modules register the dependencies they need (vector store, embedding model, queues) at start-up, so
 * `/health/ready` covers exactly what this process runs without the health module knowing each one.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks.entries()];
  }
}
