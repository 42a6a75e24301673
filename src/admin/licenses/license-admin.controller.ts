import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminActor, AdminAuth } from '../admin-auth.decorator';
import { uuidParam } from '../../common/pipes/uuid-param';
import { JsonBody } from '../../common/body/json-body.guard';
import { Page } from '../../common/envelope';
import { ApiCommonErrors, ApiEnvelopeError, ApiEnvelopeResponse } from '../../common/swagger/envelope.schema';
import { CreateLicenseDto } from '../../license/dto/create-license.dto';
import { IssuedLicenseDto, LicenseDto, RotatedLicenseDto } from '../../license/dto/license.dto';
import { LicenseEventDto } from '../../license/dto/license-event.dto';
import { ListLicensesQuery } from '../../license/dto/list-licenses.query';
import { PageQuery } from '../../common/dto/page.query';
import { RotateLicenseQuery } from '../../license/dto/rotate-license.query';
import { UpdateLicenseDto } from '../../license/dto/update-license.dto';
import { LicenseService } from '../../license/license.service';

export const ADMIN_LICENSES_TAG = 'Admin: licenses';

const EXAMPLE_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** The 404 of a route without an id: the admin API is off (or the path is wrong). */
function ApiAdminOff(method: string): MethodDecorator {
  return ApiEnvelopeError(HttpStatus.NOT_FOUND, {
    description: 'The admin API is off on this instance (no ADMIN_API_KEY), or the path is wrong.',
    message: `No route ${method} /api/admin/v1/licenses.`,
  });
}

function ApiLicenseNotFound(): MethodDecorator {
  return applyDecorators(
    ApiParam({ name: 'id', description: 'The license id (`data.id` of its creation).', format: 'uuid' }),
    ApiEnvelopeError(HttpStatus.NOT_FOUND, {
      description: 'No such license (or the admin API is off: no ADMIN_API_KEY).',
      message: `No license ${EXAMPLE_ID}.`,
      errors: { id: { exists: `No license ${EXAMPLE_ID}.` } },
    }),
  );
}

/** The 400 of a route with a license id in its path (and, for `events`, paging). */
function ApiBadLicenseId(paged = false): MethodDecorator {
  return ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: paged ? 'The id is not a UUID, or `page` / `limit` is out of range.' : 'The id is not a UUID.',
    message: 'id must be a UUID.',
    errors: { id: { isUuid: 'id must be a UUID.' } },
  });
}

function ApiRevokedConflict(verb: string): MethodDecorator {
  const message = `License ${EXAMPLE_ID} is revoked: revocation is final, it cannot be ${verb}.`;
  return ApiEnvelopeError(HttpStatus.CONFLICT, {
    description: 'The license is revoked, and revocation is final.',
    message,
    errors: { status: { isNotRevoked: message } },
  });
}

/**
 * The admin API of licenses, for the portal behind the enterprise's Key (License) page. Every change is
 * audited (`GET :id/events`) and reaches the API-KEY guard of this instance at once, of the others within a
 * second (see `LicenseChangeListener`; LICENSE_CACHE_TTL_MS when a notification is lost).
 */
@ApiTags(ADMIN_LICENSES_TAG)
@AdminAuth()
@ApiCommonErrors()
@Controller('api/admin/v1/licenses')
export class LicenseAdminController {
  constructor(private readonly licenses: LicenseService) {}

  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create a license and its API-KEY',
    description: 'The response holds the key: the only time it is ever shown (the service keeps only its hash).',
  })
  @ApiBody({ type: CreateLicenseDto })
  @ApiEnvelopeResponse(IssuedLicenseDto, HttpStatus.CREATED)
  @ApiAdminOff('POST')
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'Fields that break the rules (or malformed JSON); `errors` names each. Nothing was created.',
    message: 'Validation failed: enterpriseId, allowedIps.',
    errors: {
      enterpriseId: { isNotEmpty: 'enterpriseId should not be empty' },
      allowedIps: {
        isIpOrCidr: 'each value in allowedIps must be an IP address or a CIDR block such as 203.0.113.0/24',
      },
    },
  })
  @JsonBody()
  create(@Body() dto: CreateLicenseDto, @AdminActor() actor: string): Promise<IssuedLicenseDto> {
    return this.licenses.issue(dto, actor);
  }

  @Get()
  @ApiOperation({
    summary: 'A page of licenses, newest first',
    description:
      'Every license (never a key or its hash), newest first, filtered by enterprise, status or expiry. ' +
      '`total_record` is the number of matches.',
  })
  @ApiEnvelopeResponse(LicenseDto, HttpStatus.OK, { isArray: true })
  @ApiAdminOff('GET')
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'A query parameter out of its range or form; `errors` names each.',
    message: 'Validation failed: status.',
    errors: { status: { isIn: 'status must be one of the following values: active, suspended, revoked' } },
  })
  list(@Query() query: ListLicensesQuery): Promise<Page<LicenseDto>> {
    return this.licenses.findPage(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One license: prefix, status and state, dates, last use (never the key or its hash)',
    description:
      '`status` is what was set (active, suspended, revoked); `state` is what holds now, dates included ' +
      '(active, suspended, revoked, expired, not_yet_valid): only an `active` state lets the key in.',
  })
  @ApiEnvelopeResponse(LicenseDto, HttpStatus.OK)
  @ApiBadLicenseId()
  @ApiLicenseNotFound()
  get(@Param('id', uuidParam()) id: string): Promise<LicenseDto> {
    return this.licenses.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change the label, validity dates, rate limit or allowed addresses',
    description:
      'Fields left out stay as they are; `null` clears one (no label, no expiry, the default rate limit, any ' +
      'address). The change is audited and reaches the API-KEY guard of every instance within 5 s.',
  })
  @ApiBody({ type: UpdateLicenseDto })
  @ApiEnvelopeResponse(LicenseDto, HttpStatus.OK)
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'The id is not a UUID, or fields that break the rules; `errors` names each. Nothing changed.',
    message: 'expiresAt must be after validFrom.',
    errors: { expiresAt: { isAfterValidFrom: 'expiresAt must be after validFrom.' } },
  })
  @ApiLicenseNotFound()
  @ApiRevokedConflict('changed')
  @JsonBody()
  update(
    @Param('id', uuidParam()) id: string,
    @Body() dto: UpdateLicenseDto,
    @AdminActor() actor: string,
  ): Promise<LicenseDto> {
    return this.licenses.update(id, dto, actor);
  }

  @Post(':id/suspend')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Suspend: the key stops working until resumed (no change if already suspended)',
    description: 'The key gets 403 until the license is resumed; 409 for a revoked license (revocation is final).',
  })
  @ApiEnvelopeResponse(LicenseDto, HttpStatus.OK)
  @ApiBadLicenseId()
  @ApiLicenseNotFound()
  @ApiRevokedConflict('suspended')
  suspend(@Param('id', uuidParam()) id: string, @AdminActor() actor: string): Promise<LicenseDto> {
    return this.licenses.suspend(id, actor);
  }

  @Post(':id/resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Resume a suspended license (409 for a revoked one: revocation is final)',
    description: 'The key works again (within its validity dates); no change if the license is not suspended.',
  })
  @ApiEnvelopeResponse(LicenseDto, HttpStatus.OK)
  @ApiBadLicenseId()
  @ApiLicenseNotFound()
  @ApiRevokedConflict('resumed')
  resume(@Param('id', uuidParam()) id: string, @AdminActor() actor: string): Promise<LicenseDto> {
    return this.licenses.resume(id, actor);
  }

  @Post(':id/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Revoke for good: the key never works again (no change if already revoked)',
    description: 'Final: a revoked license cannot be resumed, changed or rotated (409). Issue a new one instead.',
  })
  @ApiEnvelopeResponse(LicenseDto, HttpStatus.OK)
  @ApiBadLicenseId()
  @ApiLicenseNotFound()
  revoke(@Param('id', uuidParam()) id: string, @AdminActor() actor: string): Promise<LicenseDto> {
    return this.licenses.revoke(id, actor);
  }

  @Post(':id/rotate')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Rotate: a new key for the same enterprise and settings; the old one works until the overlap ends',
    description:
      'Issues a new license (its key in the response, once) and sets the expiry of the old one to now + ' +
      '`overlapSeconds` (default 24 h; 0: now), unless it already expires sooner. Both keys work during the ' +
      'overlap, only the new one after it. 409 for a revoked, suspended or expired license, and for one ' +
      'already rotated (a license is rotated once: of concurrent rotations one gets 201, the others 409).',
  })
  @ApiEnvelopeResponse(RotatedLicenseDto, HttpStatus.CREATED)
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'The id is not a UUID, or `overlapSeconds` is out of range.',
    message: 'Validation failed: overlapSeconds.',
    errors: { overlapSeconds: { max: 'overlapSeconds must not be greater than 2592000' } },
  })
  @ApiLicenseNotFound()
  @ApiRevokedConflict('rotated')
  rotate(
    @Param('id', uuidParam()) id: string,
    @Query() query: RotateLicenseQuery,
    @AdminActor() actor: string,
  ): Promise<RotatedLicenseDto> {
    return this.licenses.rotate(id, query.overlapSeconds, actor);
  }

  @Get(':id/events')
  @ApiOperation({
    summary: "A page of the license's audit trail, newest first",
    description: 'Every change of the license: what, each changed field before and after, when, and who.',
  })
  @ApiEnvelopeResponse(LicenseEventDto, HttpStatus.OK, { isArray: true })
  @ApiBadLicenseId(true)
  @ApiLicenseNotFound()
  events(@Param('id', uuidParam()) id: string, @Query() query: PageQuery): Promise<Page<LicenseEventDto>> {
    return this.licenses.events(id, query.page, query.limit);
  }
}
