import { toHttpError } from './to-http-error';

/** Where a failed call's outcome goes (the input log), and how long the request has taken. */
export interface FailureRecord {
  requestId: string;
  log: {
    recordOutcome(id: string, outcome: { status: 'error'; code: string; latency_ms: number }): void;
  };
  elapsed(): number;
}

/**
 * The predictor's round trip (`call`) overlapped with the input's durable write
 * (`durable`, whose refusal rejects with its own problem): the answer waits for
 * both, so nothing is answered before the input is durable. A failed call is
 * answered only once the write settles (a log that refused the input wins with
 * its 503), and its outcome (the mapped problem's code) is recorded first.
 * @throws ProblemException
 */
export async function afterDurable<T>(
  durable: Promise<unknown>,
  call: () => Promise<T>,
  record: FailureRecord,
): Promise<T> {
  const answer = call();
  // Settled below; when the write fails first nothing else waits on it.
  answer.catch(() => undefined);
  try {
    const [, result] = await Promise.all([durable, answer]);
    return result;
  } catch (error) {
    await durable;
    const problem = toHttpError(error);
    record.log.recordOutcome(record.requestId, {
      status: 'error',
      code: problem.code,
      latency_ms: record.elapsed(),
    });
    throw problem;
  }
}
