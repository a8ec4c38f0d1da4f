import { EgressGuard } from '../egress-guard';

/** A guard that also allows 127.0.0.0/8, for adapter tests talking to a local fake server. */
export function loopbackEgress(): EgressGuard {
  return new EgressGuard({
    allowedCidrs: ['127.0.0.0/8'],
    maxResponseBytes: 32 * 1024 * 1024,
    timeoutMs: 60_000,
  });
}
