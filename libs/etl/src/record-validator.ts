import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { Entity } from '@app/common';
import { DeploymentRecordDto, PullRequestRecordDto, WorkItemRecordDto } from './dto/record.dto';

type RecordClass = new () => object;

const RECORD_CLASSES: Record<Entity, RecordClass> = {
  work_items: WorkItemRecordDto,
  pull_requests: PullRequestRecordDto,
  deployments: DeploymentRecordDto,
};

export interface ValidatedBatch {
  valid: { index: number; record: Record<string, unknown> }[];
  rejected: { index: number; errors: string[] }[];
}

/** NUL and unpaired surrogates: valid JSON, but PostgreSQL cannot store them in text. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableFields(record: Record<string, unknown>): string[] {
  return Object.entries(record)
    .filter(([, v]) => (Array.isArray(v) ? v : [v]).some((x) => typeof x === 'string' && UNSTORABLE.test(x)))
    .map(([field]) => `${field}: contains a NUL character or an unpaired surrogate, which cannot be stored`);
}

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? `${prefix}.` : ''}${m}` : `${field}: ${m}`,
    );
    return [...own, ...messages(e.children ?? [], field)];
  });
}

/** Validates each record of a batch on its own: one bad record is reported by index, the rest go on. */
@Injectable()
export class RecordValidator {
  validate(entity: Entity, records: unknown[]): ValidatedBatch {
    const cls = RECORD_CLASSES[entity];
    const result: ValidatedBatch = { valid: [], rejected: [] };
    const seen = new Map<string, number>();
    records.forEach((raw, index) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        result.rejected.push({ index, errors: ['record must be a JSON object'] });
        return;
      }
      const instance = plainToInstance(cls, raw);
      const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length > 0) {
        result.rejected.push({ index, errors: messages(errors) });
        return;
      }
      const record = { ...(instance as Record<string, unknown>) };
      const unstorable = unstorableFields(record);
      if (unstorable.length > 0) {
        result.rejected.push({ index, errors: unstorable });
        return;
      }
      // Within one batch the last occurrence of an externalId wins, as if sent one after the other.
      const id = record.externalId as string;
      const previous = seen.get(id);
      if (previous !== undefined) result.valid[previous] = { index, record };
      else {
        seen.set(id, result.valid.length);
        result.valid.push({ index, record });
      }
    });
    return result;
  }
}
