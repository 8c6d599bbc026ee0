import { Logger } from '@nestjs/common';
import { JsonSocket } from '@nestjs/microservices';
import type { TcpSocket } from '@nestjs/microservices';
import type { Socket } from 'node:net';
import type { TcpConnections } from './tcp-connections';

export interface HardenedSocketOptions {
  /** Largest frame buffered, in characters; beyond it the connection is closed. */
  maxFrameChars: number;
  /** A frame left incomplete this long closes the connection. */
  incompleteFrameTimeoutMs: number;
  connections: TcpConnections;
}

/** JsonSocket keeps its parse state private; these are the two fields we watch. */
interface JsonSocketState {
  buffer: string;
  contentLength: number | null;
}

const logger = new Logger('HardenedJsonSocket');

/**
 * Builds the `socketClass` of the predictor's TCP server: Nest's JsonSocket
 * framing (`<length>#<json>`), plus what its 11.2.4 release lacks and what
 * 11.2.5+ gets wrong (it stops reading while its own writes are buffered,
 * which deadlocks a busy hop):
 * - a malformed frame (bad length, bad JSON, over `maxFrameChars`) destroys
 *   that connection at once, instead of half-closing it and reading on;
 * - a frame that stays incomplete for `incompleteFrameTimeoutMs` closes the
 *   connection, so a stalled peer cannot pin memory. The clock starts with
 *   each frame: on a busy connection every read may end mid-frame, and that
 *   is not a stall as long as frames keep completing;
 * - every connection is tracked, so shutdown can close them.
 */
export function hardenedJsonSocket(
  options: HardenedSocketOptions,
): new (socket: Socket) => TcpSocket {
  return class HardenedJsonSocket extends JsonSocket {
    private stallTimer: NodeJS.Timeout | undefined;
    /** Frames completed so far; a change during a read means the pending frame is a new one. */
    private completed = 0;

    constructor(socket: Socket) {
      super(socket, { maxBufferSize: options.maxFrameChars });
      options.connections.track(socket);
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
      const state = this as unknown as JsonSocketState;
      const pending = state.buffer.length > 0 || state.contentLength !== null;
      // A frame completed in this read: whatever is pending started in it, so its clock starts now.
      if (!pending || this.completed !== completedBefore) this.disarm();
      if (pending) this.arm();
    }

    private arm(): void {
      if (this.stallTimer) return;
      this.stallTimer = setTimeout(() => {
        logger.warn(
          `closing a TCP connection from ${this.socket.remoteAddress ?? '?'}: frame incomplete after ${options.incompleteFrameTimeoutMs} ms`,
        );
        this.socket.destroy();
      }, options.incompleteFrameTimeoutMs);
      this.stallTimer.unref();
    }

    private disarm(): void {
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
  };
}
