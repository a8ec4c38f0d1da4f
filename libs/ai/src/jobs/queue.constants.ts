import type { BatchErrorDto, QueryResponseDto } from '../query/dto/query-response.dto';

/** Queue names; BullMQ keys live under the REDIS_PREFIX. */
export const AI_QUERY_JOBS_QUEUE = 'ai-query-jobs';

/** Questions per job (`POST /v1/ai/jobs`). */
export const JOB_MAX_QUESTIONS = 100;

export interface AiQueryJobData {
  tenantId: string;
  questions: string[];
  noCache: boolean;
}

/**
 * Kept as the job's progress: answers so far, in input order. A job retried after its worker died resumes
 * after the last stored answer instead of asking (and paying for) the same questions again.
 */
export interface AiQueryJobProgress {
  done: number;
  total: number;
  results: (QueryResponseDto | BatchErrorDto)[];
}
