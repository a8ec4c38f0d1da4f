interface TenantQueue {
  active: number;
  waiting: (() => void)[];
}

/**
 * Admission for expensive work in one process: at most `total` requests run at once, at most `perTenant` of
 * them for one tenant, and waiting tenants are served round-robin, so one tenant's backlog waits behind its
 * own requests rather than in front of everyone's.
 */
export class FairScheduler {
  private active = 0;
  private readonly tenants = new Map<string, TenantQueue>();
  /** Tenants with waiting requests, in the order they get the next free slot. */
  private readonly ring: string[] = [];

  constructor(
    readonly total: number,
    readonly perTenant: number,
    readonly maxQueuedPerTenant: number,
  ) {}

  /**
   * Resolves with a release function once the request may start (immediately when a slot is free), or
   * returns undefined when the tenant already has `maxQueuedPerTenant` requests waiting.
   */
  acquire(tenant: string): { queued: boolean; ready: Promise<() => void> } | undefined {
    const queue = this.queue(tenant);
    if (queue.waiting.length === 0 && this.canStart(queue)) {
      this.start(queue);
      return { queued: false, ready: Promise.resolve(this.releaser(tenant)) };
    }
    if (queue.waiting.length >= this.maxQueuedPerTenant) return undefined;
    const ready = new Promise<() => void>((resolve) => {
      queue.waiting.push(() => resolve(this.releaser(tenant)));
    });
    if (!this.ring.includes(tenant)) this.ring.push(tenant);
    return { queued: true, ready };
  }

  /** Requests waiting, per tenant (for metrics and tests). */
  waiting(tenant: string): number {
    return this.tenants.get(tenant)?.waiting.length ?? 0;
  }

  running(tenant: string): number {
    return this.tenants.get(tenant)?.active ?? 0;
  }

  private queue(tenant: string): TenantQueue {
    let queue = this.tenants.get(tenant);
    if (!queue) this.tenants.set(tenant, (queue = { active: 0, waiting: [] }));
    return queue;
  }

  private canStart(queue: TenantQueue): boolean {
    return this.active < this.total && queue.active < this.perTenant;
  }

  private start(queue: TenantQueue): void {
    this.active++;
    queue.active++;
  }

  private releaser(tenant: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queue(tenant);
      this.active--;
      queue.active--;
      this.dispatch();
      if (queue.active === 0 && queue.waiting.length === 0) this.tenants.delete(tenant);
    };
  }

  /**
   * Gives each free slot to the waiting tenant with the fewest requests running (ties: the one waiting longest
   * for a turn), then moves it to the back of the ring: round-robin that lets a newcomer pass a tenant
   * already running work.
   */
  private dispatch(): void {
    while (this.active < this.total) {
      let pick = -1;
      for (let i = 0; i < this.ring.length; i++) {
        const queue = this.queue(this.ring[i]);
        if (!this.canStart(queue) || queue.waiting.length === 0) continue;
        if (pick < 0 || queue.active < this.queue(this.ring[pick]).active) pick = i;
      }
      if (pick < 0) return;
      const [tenant] = this.ring.splice(pick, 1);
      const queue = this.queue(tenant);
      this.start(queue);
      queue.waiting.shift()!();
      if (queue.waiting.length > 0) this.ring.push(tenant);
    }
  }
}
