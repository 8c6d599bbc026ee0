import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Socket } from 'node:net';

/**
 * The TCP connections the predictor holds. `ServerTCP#close()` in
 * @nestjs/microservices 11.2.4 only stops accepting: established sockets
 * would keep the process (and a test runner) alive and keep dispatching
 * messages after shutdown, so they are ended here once the servers closed.
 */
@Injectable()
export class TcpConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(TcpConnections.name);
  private readonly sockets = new Set<Socket>();

  get size(): number {
    return this.sockets.size;
  }

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  onApplicationShutdown(): void {
    if (this.sockets.size > 0) this.logger.log(`closing ${this.sockets.size} TCP connection(s)`);
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
