import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { successEnvelope } from './envelope';

export const DOCS_PATH = 'docs';

/** `/` sends people to the API documentation. */
@ApiExcludeController()
@Controller()
export class RootController {
  @Get()
  root(@Res() response: Response): void {
    response
      .status(HttpStatus.FOUND)
      .location(`/${DOCS_PATH}`)
      .json(successEnvelope(HttpStatus.FOUND, null, `See the API documentation at /${DOCS_PATH}.`));
  }
}
