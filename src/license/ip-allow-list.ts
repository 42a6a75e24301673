import { ValidateBy, ValidationOptions } from 'class-validator';
import { BlockList, isIP } from 'node:net';

/** How many addresses / CIDRs one license may list. */
export const MAX_ALLOWED_IPS = 100;

interface ParsedEntry {
  address: string;
  prefix: number | undefined;
  family: 'ipv4' | 'ipv6';
}

/** `203.0.113.7`, `203.0.113.0/24`, `2001:db8::1` or `2001:db8::/32`; `undefined` for anything else. */
export function parseIpOrCidr(entry: string): ParsedEntry | undefined {
  const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(entry);
  if (!match) {
    return undefined;
  }
  const version = isIP(match[1]);
  if (version === 0) {
    return undefined;
  }
  const prefix = match[2] === undefined ? undefined : Number(match[2]);
  if (prefix !== undefined && prefix > (version === 4 ? 32 : 128)) {
    return undefined;
  }
  return { address: match[1], prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** class-validator rule: an IP address or a CIDR block (IPv4 or IPv6). */
export function IsIpOrCidr(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIpOrCidr',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseIpOrCidr(value) !== undefined,
        defaultMessage: () => 'each value in $property must be an IP address or a CIDR block such as 203.0.113.0/24',
      },
    },
    options,
  );
}

/** `::ffff:203.0.113.7` (an IPv4 client on a dual-stack socket) as `203.0.113.7`; others unchanged. */
export function normalizeClientIp(ip: string | undefined): string {
  if (!ip) {
    return 'unknown';
  }
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1] : ip;
}

/** The client addresses a license may be used from. Empty: any address. */
export class AllowList {
  private readonly list = new BlockList();
  readonly isEmpty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseIpOrCidr(entry);
      if (!parsed) {
        continue;
      }
      if (parsed.prefix === undefined) {
        this.list.addAddress(parsed.address, parsed.family);
      } else {
        this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
      }
    }
    this.isEmpty = entries.length === 0;
  }

  allows(clientIp: string): boolean {
    if (this.isEmpty) {
      return true;
    }
    const ip = normalizeClientIp(clientIp);
    const version = isIP(ip);
    return version !== 0 && this.list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  }
}
