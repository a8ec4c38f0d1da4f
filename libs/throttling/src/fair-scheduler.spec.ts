import { FairScheduler } from './fair-scheduler';

/** Starts a request and records when it gets its slot. */
function submit(
  s: FairScheduler,
  tenant: string,
  order: string[],
  releases: Map<string, () => void>,
  id: string,
) {
  const ticket = s.acquire(tenant);
  if (!ticket) return false;
  void ticket.ready.then((release) => {
    order.push(id);
    releases.set(id, release);
  });
  return true;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FairScheduler', () => {
  it("serves a newcomer before the rest of another tenant's backlog", async () => {
    const s = new FairScheduler(2, 2, 100);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    for (let i = 0; i < 10; i++) submit(s, 'a', order, releases, `a${i}`);
    submit(s, 'b', order, releases, 'b0');
    await tick();
    expect(order).toEqual(['a0', 'a1']);
    expect(s.waiting('a')).toBe(8);

    releases.get('a0')!();
    await tick();
    // A queued first, but B (nothing running) gets the free slot: fair between tenants, not FIFO.
    expect(order).toEqual(['a0', 'a1', 'b0']);
    releases.get('a1')!();
    await tick();
    expect(order.at(-1)).toBe('a2');
  });

  it('caps one tenant below the total, leaving slots for others', async () => {
    const s = new FairScheduler(4, 2, 100);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    for (let i = 0; i < 5; i++) submit(s, 'a', order, releases, `a${i}`);
    submit(s, 'b', order, releases, 'b0');
    await tick();
    expect(order).toEqual(['a0', 'a1', 'b0']);
    expect(s.running('a')).toBe(2);
  });

  it('alternates between tenants with backlogs', async () => {
    const s = new FairScheduler(1, 1, 100);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    for (let i = 0; i < 4; i++) submit(s, 'a', order, releases, `a${i}`);
    for (let i = 0; i < 2; i++) submit(s, 'b', order, releases, `b${i}`);
    for (let step = 0; step < 6; step++) {
      await tick();
      releases.get(order.at(-1)!)!();
    }
    await tick();
    expect(order).toEqual(['a0', 'a1', 'b0', 'a2', 'b1', 'a3']);
  });

  it('refuses once a tenant has its maximum waiting, without affecting others', () => {
    const s = new FairScheduler(1, 1, 2);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    expect([0, 1, 2, 3].map((i) => submit(s, 'a', order, releases, `a${i}`))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(submit(s, 'b', order, releases, 'b0')).toBe(true);
  });

  it('ignores a second release of the same slot', async () => {
    const s = new FairScheduler(1, 1, 10);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    submit(s, 'a', order, releases, 'a0');
    submit(s, 'a', order, releases, 'a1');
    submit(s, 'a', order, releases, 'a2');
    await tick();
    releases.get('a0')!();
    releases.get('a0')!();
    await tick();
    expect(order).toEqual(['a0', 'a1']);
    expect(s.running('a')).toBe(1);
  });
});
