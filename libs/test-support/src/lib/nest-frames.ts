/**
 * Reads Nest's TCP framing (`<characters>#<json>`, the length counted in
 * UTF-16 characters as JsonSocket counts it) from a socket set to utf8: feed
 * it each chunk, and it calls `onFrame` with each complete frame's JSON text,
 * in order. For test doubles and bench clients that speak to (or as) our
 * predictor without Nest's own socket classes.
 */
export function nestFrameReader(onFrame: (json: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const hash = buffer.indexOf('#');
      if (hash < 0) return;
      const length = Number(buffer.slice(0, hash));
      if (buffer.length < hash + 1 + length) return;
      const frame = buffer.slice(hash + 1, hash + 1 + length);
      buffer = buffer.slice(hash + 1 + length);
      onFrame(frame);
    }
  };
}

/** One value in Nest's TCP framing. */
export function nestFrame(value: unknown): string {
  const json = JSON.stringify(value);
  return `${json.length}#${json}`;
}
