import { Global, Module } from '@nestjs/common';
import { TcpConnections } from './tcp-connections';

@Global()
@Module({ providers: [TcpConnections], exports: [TcpConnections] })
export class TransportModule {}
