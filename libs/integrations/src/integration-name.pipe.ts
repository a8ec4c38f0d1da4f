import { Injectable, PipeTransform } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { IntegrationsException } from './integrations.exception';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

@Injectable()
export class IntegrationNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!NAME.test(value)) {
      throw new IntegrationsException(
        ErrorCode.VALIDATION_FAILED,
        'Integration name must be 1-64 letters, digits, dots, dashes or underscores',
      );
    }
    return value;
  }
}
