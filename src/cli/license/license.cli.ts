import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { hostname, userInfo } from 'node:os';
import { environmentProblems } from '../../config/env.validation';
import { readEnvironment } from '../../config/read-environment';
import type { LicenseDto } from '../../license/dto/license.dto';
import { LicenseService } from '../../license/license.service';
import { parse, type Parsed } from './license-cli.args';
import { UsageError } from './license-cli.errors';
import { LicenseCliModule } from './license-cli.module';
import { describe, describeEvent, showKey, USAGE, view } from './license-cli.output';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const SEE_HELP = 'Run `npm run license -- --help` for the usage.';

/**
 * Runs one CLI command; resolves to the process exit code (0 ok, 1 failed, 2 usage). `--help` prints the
 * usage (exit 0); no command prints it to standard error (exit 2); any other mistake is one line.
 */
export async function runLicenseCli(argv: string[], io: CliOutput): Promise<number> {
  if (argv.length === 0) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`Error: ${(err as Error).message} ${SEE_HELP}\n`);
    return 2;
  }
  if (parsed === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const app = await NestFactory.createApplicationContext(LicenseCliModule, { logger: ['error'], abortOnError: false });
  try {
    await execute(parsed, app.get(LicenseService), io);
    return 0;
  } catch (err) {
    io.err(`Error: ${describeError(err)}${err instanceof UsageError ? ` ${SEE_HELP}` : ''}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await app.close();
  }
}

async function execute(parsed: Parsed, licenses: LicenseService, io: CliOutput): Promise<void> {
  const actor = cliActor();
  const print = (license: LicenseDto, sentence: string) =>
    io.out(parsed.json ? `${JSON.stringify(view(license))}\n` : `${sentence}\n${describe(license).join('\n')}\n`);
  switch (parsed.command) {
    case 'issue': {
      const issued = await licenses.issue({ enterpriseId: parsed.enterprise!, ...parsed.settings }, actor);
      io.out(
        parsed.json
          ? `${JSON.stringify({ ...view(issued), apiKey: issued.apiKey })}\n`
          : showKey('License issued.', issued),
      );
      return;
    }
    case 'list': {
      const found = await licenses.list({
        enterpriseId: parsed.enterprise,
        status: parsed.status,
        expiringBefore: parsed.expiringBefore,
      });
      if (parsed.json) {
        io.out(`${JSON.stringify(found.map(view))}\n`);
      } else if (found.length === 0) {
        io.out('No licenses.\n');
      } else {
        io.out(`${found.map((license) => describe(license).join('\n')).join('\n\n')}\n`);
      }
      return;
    }
    case 'show':
      return print(await licenses.get(parsed.id), `License ${parsed.id}:`);
    case 'update':
      return print(await licenses.update(parsed.id, parsed.settings, actor), `License ${parsed.id} is updated.`);
    case 'suspend':
      return print(await licenses.suspend(parsed.id, actor), `License ${parsed.id} is suspended.`);
    case 'resume':
      return print(await licenses.resume(parsed.id, actor), `License ${parsed.id} is resumed.`);
    case 'revoke':
      return print(await licenses.revoke(parsed.id, actor), `License ${parsed.id} is revoked.`);
    case 'rotate': {
      const rotated = await licenses.rotate(parsed.id, parsed.overlapSeconds, actor);
      if (parsed.json) {
        io.out(`${JSON.stringify({ ...view(rotated), apiKey: rotated.apiKey, previous: view(rotated.previous) })}\n`);
      } else {
        io.out(
          showKey(`License ${parsed.id} is rotated. The new license:`, rotated) +
            `The old key (${rotated.previous.keyPrefix}…) works until ${rotated.previous.expiresAt ?? 'never'}.\n`,
        );
      }
      return;
    }
    case 'events': {
      const page = await licenses.events(parsed.id, 1, parsed.limit);
      if (parsed.json) {
        io.out(`${JSON.stringify(page.items)}\n`);
      } else {
        io.out(`${page.items.map(describeEvent).join('\n') || 'No events.'}\n`);
      }
      return;
    }
  }
}

/** Who the CLI's changes are attributed to in the audit trail. */
function cliActor(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return `cli:${user}@${hostname()}`.slice(0, 128);
}

function describeError(err: unknown): string {
  const response = (err as { getResponse?: () => unknown }).getResponse?.();
  if (response && typeof response === 'object' && 'message' in response) {
    return String(response.message);
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The CLI as a process: `npm run license -- ...` and `bin/license ...` run this. A bad environment is one
 * line per variable (never a secret's value), checked before anything starts.
 */
export function main(): void {
  const problems = environmentProblems(readEnvironment());
  if (problems.length > 0) {
    process.stderr.write(problems.map(({ message }) => `Error: ${message}\n`).join(''));
    // At once: the configuration module has already refused this environment, and Nest would log that too.
    process.exit(1);
  }
  runLicenseCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`Error: ${describeError(err)}\n`);
      process.exitCode = 1;
    });
}

if (require.main === module) {
  main();
}
