import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
  const doc = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('x').build());
  SwaggerModule.setup('docs', app, doc);
  await app.listen(3000, '0.0.0.0');
}
void bootstrap();
