import { AppException, ErrorCode } from '@app/common';

export type SearchErrorCode = ErrorCode.VALIDATION_FAILED;

export class SearchException extends AppException<SearchErrorCode> {}
