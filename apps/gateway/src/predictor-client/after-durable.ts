import type { ProblemException } from '@ml-system/server-core';
import { toHttpError } from './to-http-error';

/**
 * The predictor's round trip (`call`) overlapped with the input's durable write
 * (`durable`, whose refusal rejects with its own problem): the answer waits for
 * both, so nothing is answered before the input is durable. A failed call is
 * answered only once the write settles (a log that refused the input wins with
 * its 503); `failed` hears the mapped problem first, to record the outcome.
 * @throws ProblemException
 */
export async function afterDurable<T>(
  durable: Promise<unknown>,
  call: () => Promise<T>,
  failed: (problem: ProblemException) => void,
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
    failed(problem);
    throw problem;
  }
}
