/** Polls until check() is true; fails with the last observed value's description after the timeout. */
export async function eventually(
  check: () => Promise<boolean>,
  {
    timeoutMs = 30_000,
    intervalMs = 200,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}
