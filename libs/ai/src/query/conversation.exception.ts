import { AppException, ErrorCode } from '@app/common';

export type ConversationErrorCode = ErrorCode.NOT_FOUND | ErrorCode.DEPENDENCY_UNAVAILABLE;

/** A conversation id that is unknown to the tenant (or expired), or a store that cannot be read. */
export class ConversationException extends AppException<ConversationErrorCode> {}
