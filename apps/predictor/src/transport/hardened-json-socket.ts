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
 *   connection, so a stalled peer cannot pin memory (the clock restarts at
 *   every completed frame: a busy connection whose reads rarely end on a frame
 *   boundary is making progress, not stalling);
 * - every connection is tracked, so shutdown can close them.
 */
export function hardenedJsonSocket(options: HardenedSocketOptions): new (socket: Socket) => TcpSocket {
  return class HardenedJsonSocket extends JsonSocket {
    private stallTimer: NodeJS.Timeout | undefined;

    constructor(socket: Socket) {
      super(socket, { maxBufferSize: options.maxFrameChars });
      options.connections.track(socket);
      socket.setNoDelay(true);
      socket.once('close', () => this.disarm());
    }

    /** Called once per complete frame: progress, so the stall clock restarts. */
    protected override emitMessage(data: string): void {
      this.disarm();
      super.emitMessage(data);
    }

    protected override handleData(data: Buffer | string): void {
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
      if (state.buffer.length > 0 || state.contentLength !== null) this.arm();
      else this.disarm();
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
