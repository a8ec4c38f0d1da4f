import { Body, Controller, Logger, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException, ErrorResponseDto, errorBodyOf } from '@app/common';
import { Access, CurrentTenantId } from '@app/tenancy';
import { QueryRequestDto } from './dto/query-request.dto';
import { QueryService } from './query.service';

/** A comment line now and then keeps proxies from closing a stream that waits on a slow model. */
const HEARTBEAT_MS = 15_000;

const STREAM_DESCRIPTION = [
  '`text/event-stream`: one `progress` event per workflow step as it finishes (`{"node", "ms"}`), then exactly',
  'one `answer` event whose data is the `POST /v1/ai/query` response, or one `error` event whose data is the',
  'error shape (`{"error": {...}, "requestId"}`). Closing the connection cancels the work, the LLM call included.',
  'Bad input and authentication failures are answered before the stream starts, as plain JSON errors.',
].join(' ');

@ApiTags('ai')
@Access('tenant')
@Controller('v1/ai/query')
export class QueryStreamController {
  private readonly logger = new Logger(QueryStreamController.name);

  constructor(private readonly queries: QueryService) {}

  @Post('stream')
  @ApiOperation({
    summary: 'Answer a question, streaming progress as server-sent events',
    description: STREAM_DESCRIPTION,
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: STREAM_DESCRIPTION,
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED or MALFORMED_JSON' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto })
  async stream(
    @CurrentTenantId() tenantId: string,
    @Body() body: QueryRequestDto,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const requestId = String(req.id);
    const abort = new AbortController();
    const res = reply.raw;
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the stream'));
    });
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
    });
    const send = (event: string, data: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const heartbeat = setInterval(() => !res.destroyed && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    try {
      const answer = await this.queries.ask(tenantId, body.question, {
        ...body.options,
        conversationId: body.conversationId,
        signal: abort.signal,
        onProgress: (p) => send('progress', p),
      });
      send('answer', answer);
    } catch (err) {
      if (abort.signal.aborted) return;
      if (!(err instanceof AppException)) {
        this.logger.error({ err, requestId }, 'Streamed question failed');
      }
      send('error', { ...errorBodyOf(err), requestId });
    } finally {
      clearInterval(heartbeat);
      if (!res.destroyed) res.end();
    }
  }
}
