import { Global, Module } from '@nestjs/common';
import { DeviceHttpServer } from './device-http.server';

@Global()
@Module({ providers: [DeviceHttpServer], exports: [DeviceHttpServer] })
export class DeviceHttpModule {}
