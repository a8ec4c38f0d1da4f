import type { OnModuleDestroy } from '@nestjs/common';
import dns, { type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { AppConfig } from '@app/config';
import { ErrorCode } from '@app/common';
import { checkAddress, parseCidr, type AddressVerdict, type EgressRule } from './address-rules';
import { EgressException } from './egress.exception';

export interface EgressSettings {
  /** Ranges allowed on top of public unicast addresses (EGRESS_ALLOWED_CIDRS). */
  allowedCidrs: readonly string[];
  /** Largest response body read from any outbound call. */
  maxResponseBytes: number;
  /** Upper bound on any outbound call, connect to last body byte; callers may set a shorter one. */
  timeoutMs: number;
  /** Resolver, dns.lookup by default (tests inject a stub: no real traffic to private ranges). */
  lookup?: typeof dns.lookup;
}

export type UrlVerdict =
  { allowed: true } | { allowed: false; rule: EgressRule | 'scheme' | 'invalid-url'; address: string };

export interface EgressRequestInit {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * The one way out of the process to a configured URL (LLM providers, embedding gateways, webhooks).
 * Destinations are checked twice: the URL's host when it is an address literal (also at save time through
 * `checkUrl`), and every address a host name resolves to when connecting, so DNS rebinding cannot reach a
 * refused address. Redirects are never followed; responses are bounded in size and time.
 */
export class EgressGuard implements OnModuleDestroy {
  /** An undici dispatcher enforcing the rules at connect time, for callers that need undici directly. */
  readonly dispatcher: Agent;
  private readonly allowed;
  private readonly resolve: typeof dns.lookup;

  constructor(private readonly settings: EgressSettings) {
    this.allowed = settings.allowedCidrs.map(parseCidr);
    this.resolve = settings.lookup ?? dns.lookup;
    const connector = buildConnector({ lookup: this.lookup });
    this.dispatcher = new Agent({
      connect: (options, callback) => {
        // Address literals never reach the lookup: check them here.
        const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
        if (net.isIP(host)) {
          const verdict = this.checkAddress(host);
          if (!verdict.allowed) return callback(refusal(verdict), null);
        }
        return connector(options, callback);
      },
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    });
  }

  static fromConfig(config: AppConfig, lookup?: typeof dns.lookup): EgressGuard {
    return new EgressGuard({ ...config.egress, lookup });
  }

  checkAddress(address: string): AddressVerdict {
    return checkAddress(address, this.allowed);
  }

  /**
   * Save-time check of a configured URL: http(s) only, and an address-literal host (in any notation the
   * URL parser normalises: decimal, hex, octal, short IPv4; bracketed IPv6) must be allowed. Host names
   * pass here and are checked when connecting.
   */
  checkUrl(url: string): UrlVerdict {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { allowed: false, rule: 'invalid-url', address: url };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return { allowed: false, rule: 'scheme', address: parsed.protocol };
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    return net.isIP(host) ? this.checkAddress(host) : { allowed: true };
  }

  /** Throws EgressException (VALIDATION_FAILED, naming the rule) when `checkUrl` refuses the URL. */
  assertUrl(url: string, field = 'url'): void {
    const verdict = this.checkUrl(url);
    if (!verdict.allowed) {
      throw new EgressException(
        ErrorCode.VALIDATION_FAILED,
        `${field} is not an allowed destination: ${verdict.address} is refused by the "${verdict.rule}" rule`,
        { field, rule: verdict.rule },
      );
    }
  }

  /**
   * A fetch-shaped outbound call: no redirects followed (a 3xx comes back as it is), the body read in full
   * up to maxResponseBytes, the whole call bounded by timeoutMs.
   */
  async fetch(url: string, init: EgressRequestInit = {}): Promise<Response> {
    this.assertUrl(url);
    const limit = AbortSignal.timeout(this.settings.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, limit]) : limit;
    const res = await request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body,
      signal,
      dispatcher: this.dispatcher,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.settings.maxResponseBytes) {
        res.body.destroy();
        throw new EgressException(
          ErrorCode.DEPENDENCY_UNAVAILABLE,
          `Response from ${new URL(url).host} exceeds ${this.settings.maxResponseBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.append(name, v);
    }
    const body = NULL_BODY_STATUSES.has(res.statusCode) ? null : Buffer.concat(chunks);
    return new Response(body, { status: res.statusCode, headers });
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.close();
  }

  /** net.connect's lookup: resolves every address and refuses the connection if any one is refused. */
  private readonly lookup = (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const { address } of addresses) {
        const verdict = this.checkAddress(address);
        if (!verdict.allowed) return callback(refusal(verdict, hostname), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      return callback(null, first.address, first.family);
    });
  };
}

function refusal(verdict: Exclude<AddressVerdict, { allowed: true }>, hostname?: string): Error {
  const what = hostname ? `${hostname} resolves to ${verdict.address}` : verdict.address;
  return Object.assign(new Error(`egress refused: ${what} (${verdict.rule} rule)`), {
    code: 'EGRESS_REFUSED',
    rule: verdict.rule,
  });
}
