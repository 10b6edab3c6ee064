import { composeRuntime, loadCliConfig } from '../compose-runtime.js';
import { sayConfigWarnings } from '../config-warnings.js';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

export async function configCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const sub = args.positionals[1] ?? 'show';
  // a typo is an error, not the whole config printed as if it were asked for
  if (sub !== 'show' && sub !== 'path') throw new UsageError(`unknown config subcommand '${sub}' (show, path)`);
  const loaded = loadCliConfig(args.flags, io);
  if (sub === 'path') {
    io.stdout(`${loaded.source ?? '(built-in defaults)'}\n`);
    return 0;
  }
  const { runtime } = await composeRuntime(args.flags, io, { state: false, tools: false });
  try {
    const masked = runtime.policy.redactValue(loaded.config);
    if (args.flags.output === 'text') io.stdout(`# source: ${loaded.source ?? 'built-in defaults'}\n`);
    io.stdout(JSON.stringify(masked, null, 2) + '\n');
    sayConfigWarnings(loaded, args.flags, io, true);
    return 0;
  } finally {
    await runtime.close();
  }
}
