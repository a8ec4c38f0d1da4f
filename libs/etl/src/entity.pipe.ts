import { Injectable, PipeTransform } from '@nestjs/common';
import { ENTITIES, ErrorCode, isEntity, type Entity } from '@app/common';
import { EtlException } from './etl.exception';

@Injectable()
export class EntityPipe implements PipeTransform<string, Entity> {
  transform(value: string): Entity {
    if (!isEntity(value)) {
      throw new EtlException(
        ErrorCode.VALIDATION_FAILED,
        `Unknown entity "${value}"; expected one of ${ENTITIES.join(', ')}`,
      );
    }
    return value;
  }
}
