/** Argument parsing for the CLI, on node:util's parseArgs. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/errors';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split('\n')[0]}\nusage: ${usage}`);
  }
}
