import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { EgressGuard } from '@app/egress';
import type { IntegrationDto, IntegrationKind, PutIntegrationDto } from './dto/integration.dto';
import { IntegrationsException } from './integrations.exception';
import { IntegrationsRepository, type IntegrationRow } from './integrations.repository';
import { SecretBox } from './secret-box';

/** An integration with its secret decrypted, for the providers that call it. Never leaves the process. */
export interface ResolvedIntegration extends Omit<IntegrationRow, 'apiKeyEncrypted'> {
  apiKey?: string;
}

type ChangeListener = (tenantId: string) => void;

/** Per-tenant AI provider settings (the "integration table"); secrets encrypted at rest. */
@Injectable()
export class IntegrationsService {
  private readonly listeners: ChangeListener[] = [];
  private readonly logger = new Logger(IntegrationsService.name);

  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly secrets: SecretBox,
    private readonly egress: EgressGuard,
  ) {}

  /** Provider registries subscribe so a change takes effect on the next call. */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  async put(tenantId: string, name: string, body: PutIntegrationDto): Promise<IntegrationDto> {
    // Refused before anything is stored or called; host names are checked again at connect time.
    this.egress.assertUrl(body.baseUrl, 'baseUrl');
    const fields = {
      kind: body.kind,
      provider: body.provider,
      baseUrl: body.baseUrl,
      model: body.model ?? '',
      tier: body.tier ?? 'any',
      inputCostPer1k: body.inputCostPer1k ?? 0,
      outputCostPer1k: body.outputCostPer1k ?? 0,
      timeoutMs: body.timeoutMs ?? 20_000,
      enabled: body.enabled ?? true,
      priority: body.priority ?? 0,
      // undefined keeps the stored key; null removes it.
      ...(body.apiKey === undefined
        ? {}
        : { apiKeyEncrypted: body.apiKey === null ? null : this.secrets.encrypt(body.apiKey) }),
    };
    const row = await this.integrations.upsert(tenantId, name, fields);
    this.changed(tenantId);
    return this.toDto(row);
  }

  async list(tenantId: string): Promise<IntegrationDto[]> {
    const rows = await this.integrations.list(tenantId);
    return rows.map((r) => this.toDto(r));
  }

  async remove(tenantId: string, name: string): Promise<void> {
    if (!(await this.integrations.remove(tenantId, name)))
      throw new IntegrationsException(ErrorCode.NOT_FOUND, `Integration "${name}" not found`);
    this.changed(tenantId);
  }

  /** Enabled integrations of one kind with decrypted secrets, for provider construction. */
  async resolveEnabled(tenantId: string, kind: IntegrationKind): Promise<ResolvedIntegration[]> {
    const rows = await this.integrations.list(tenantId, kind);
    const resolved: ResolvedIntegration[] = [];
    for (const { apiKeyEncrypted, ...rest } of rows) {
      try {
        resolved.push({
          ...rest,
          apiKey: apiKeyEncrypted ? this.secrets.decrypt(apiKeyEncrypted) : undefined,
        });
      } catch {
        // Encrypted under another INTEGRATION_SECRET_KEY (or altered): skip it rather than fail the tenant's others.
        this.logger.warn(
          `Integration "${rest.name}" has a secret that cannot be decrypted; skipped until it is saved again`,
        );
      }
    }
    return resolved;
  }

  private changed(tenantId: string): void {
    for (const listener of this.listeners) listener(tenantId);
  }

  private toDto(row: IntegrationRow): IntegrationDto {
    return {
      name: row.name,
      kind: row.kind,
      provider: row.provider,
      baseUrl: row.baseUrl,
      model: row.model,
      hasApiKey: row.apiKeyEncrypted !== null,
      tier: row.tier,
      inputCostPer1k: row.inputCostPer1k,
      outputCostPer1k: row.outputCostPer1k,
      timeoutMs: row.timeoutMs,
      enabled: row.enabled,
      priority: row.priority,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
