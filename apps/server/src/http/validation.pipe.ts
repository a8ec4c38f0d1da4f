import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { CommonException, ErrorCode } from '@app/common';

function flatten(errors: ValidationError[], prefix = ''): { field: string; errors: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Deeper bodies are refused before class-transformer recurses into them (it would overflow the stack). */
const MAX_BODY_DEPTH = 32;

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * DTO validation: unknown fields rejected, types checked, failures as VALIDATION_FAILED with per-field details.
 * A body that is not a JSON object (null, an array, a string) is rejected before class-transformer sees it.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => {
        const fields = flatten(errors);
        const summary = fields.map((f) => f.errors.join(', ')).join('; ');
        return new CommonException(ErrorCode.VALIDATION_FAILED, summary || 'Invalid request', { fields });
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new CommonException(ErrorCode.VALIDATION_FAILED, 'Request body must be a JSON object');
      }
      if (depthExceeds(value, MAX_BODY_DEPTH)) {
        throw new CommonException(
          ErrorCode.VALIDATION_FAILED,
          `Request body is nested deeper than ${MAX_BODY_DEPTH} levels`,
        );
      }
    }
    return super.transform(value, metadata);
  }
}
