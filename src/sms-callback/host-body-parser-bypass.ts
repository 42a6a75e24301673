import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { keepHostBodyParsersOff } from '../common/body/host-body-parsers';
import { CALLBACK_PATH } from './sms-callback.controller';

const OWN_ROUTES = new RegExp(`(^|/)${CALLBACK_PATH}(/|$)`);

/**
 * In a host created with Nest's default body parser, the vendor routes still read their own body (after
 * the API-KEY, within their limits, malformed JSON answered in the envelope): see {@link keepHostBodyParsersOff}.
 */
@Injectable()
export class HostBodyParserBypass implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() === 'express') {
      keepHostBodyParsersOff(adapter.getInstance(), (path) => OWN_ROUTES.test(path));
    }
  }
}
