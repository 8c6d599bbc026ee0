import { Logger } from '@nestjs/common';
import { JsonSocket } from '@nestjs/microservices';
import type { TcpSocket } from '@nestjs/microservices';
import type { Socket } from 'node:net';

export interface HardenedSocketOptions {
  /** Largest frame buffered, in characters; beyond it the connection is closed. */
  maxFrameChars: number;
  /** A frame left incomplete this long closes the connection. */
  incompleteFrameTimeoutMs: number;
}

/** JsonSocket keeps its parse state private; these are the two fields we watch. */
interface JsonSocketState {
  buffer: string;
  contentLength: number | null;
}

const logger = new Logger('HardenedJsonSocket');

/**
 * Builds the `socketClass` of the predictor's TCP server: Nest's JsonSocket
 * (framing `<length>#<json>`, write backpressure, a cap on what is queued for a
 * peer that does not read; shutdown closing established connections is the
 * server's own since 11.2.6 / 12.1), plus two bounds it draws more loosely:
 * - a malformed frame (bad length, bad JSON, over `maxFrameChars`) destroys
 *   that connection at once; Nest half-closes it and reads on;
 * - a frame that stays incomplete for `incompleteFrameTimeoutMs` closes the
 *   connection, so a stalled peer cannot pin memory. Nest's own timer restarts
 *   with every read, so a peer trickling a byte now and then holds a partial
 *   frame forever; this clock starts with each frame instead: on a busy
 *   connection every read may end mid-frame, and that is no stall as long as
 *   frames keep completing.
 */
export function hardenedJsonSocket(
  options: HardenedSocketOptions,
): new (socket: Socket) => TcpSocket {
  return class HardenedJsonSocket extends JsonSocket {
    private stallTimer: NodeJS.Timeout | undefined;
    /** Frames completed so far; a change during a read means the pending frame is a new one. */
    private completed = 0;

    constructor(socket: Socket) {
      // 0 turns Nest's per-read timer off: the per-frame one below is the stricter bound.
      super(socket, { maxBufferSize: options.maxFrameChars, incompleteMessageTimeout: 0 });
      socket.setNoDelay(true);
      socket.once('close', () => this.disarm());
    }

    protected override emitMessage(data: string): void {
      this.completed += 1;
      super.emitMessage(data);
    }

    protected override handleData(data: Buffer | string): void {
      const completedBefore = this.completed;
      try {
        super.handleData(data);
      } catch (error) {
        this.disarm();
        logger.warn(
          `closing a TCP connection from ${this.socket.remoteAddress ?? '?'}: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
        this.socket.destroy();
        return;
      }
      const pending = this.pending();
      // A frame completed in this read: whatever is pending started in it, so its clock starts now.
      if (!pending || this.completed !== completedBefore) this.disarm();
      if (pending) this.arm();
    }

    private arm(): void {
      if (this.stallTimer) return;
      const completedAtArm = this.completed;
      this.stallTimer = setTimeout(() => {
        this.stallTimer = undefined;
        // Frames held back by write backpressure complete without a read: progress all the same.
        if (this.completed !== completedAtArm) {
          if (this.pending()) this.arm();
          return;
        }
        logger.warn(
          `closing a TCP connection from ${this.socket.remoteAddress ?? '?'}: frame incomplete after ${options.incompleteFrameTimeoutMs} ms`,
        );
        this.socket.destroy();
      }, options.incompleteFrameTimeoutMs);
      this.stallTimer.unref();
    }

    private pending(): boolean {
      const state = this as unknown as JsonSocketState;
      return state.buffer.length > 0 || state.contentLength !== null;
    }

    private disarm(): void {
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
  };
}
