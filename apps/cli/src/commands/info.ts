import { loadCliConfig } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';
import { cliVersion } from '../version.js';

export async function infoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = loadCliConfig(args.flags, io);
  const info = {
    version: cliVersion(),
    node: process.version,
    config_file: loaded.source,
    default_engine: loaded.config.default_engine,
    engines: [
      { name: 'lua', version: 'Lua 5.4 (wasmoon)', extensions: ['.lua'], available: true },
      { name: 'javascript', version: 'ES2023 (QuickJS)', extensions: ['.js', '.mjs'], available: true },
    ],
    state_backend: loaded.config.runtime.state_persistence.enabled ? loaded.state.backend : 'disabled',
    state_file: loaded.config.runtime.state_persistence.enabled ? loaded.state.file : null,
    state_reason: loaded.config.runtime.state_persistence.enabled ? loaded.state.reason : 'runtime.state_persistence.enabled = false',
    project: loaded.state.project,
    security: {
      allowed_paths: loaded.config.runtime.security.allowed_paths ?? ['.', '<tmp>'],
      allow_private_network: loaded.config.runtime.security.allow_private_network,
      allow_process_spawn: loaded.config.runtime.security.allow_process_spawn,
    },
  };
  if (args.flags.output !== 'text') {
    io.stdout(JSON.stringify(info, null, 2) + '\n');
    return 0;
  }
  io.stdout(`llmspell ${info.version} (node ${info.node})\n`);
  io.stdout(`config:  ${info.config_file ?? 'built-in defaults'}\n`);
  io.stdout(`engines: ${info.engines.map((e) => `${e.name} [${e.version}]`).join(', ')}; default ${info.default_engine}\n`);
  io.stdout(`state:   ${info.state_backend}${info.state_file ? ` at ${info.state_file}` : ''} (${info.state_reason})\n`);
  io.stdout(`files:   ${info.security.allowed_paths.join(', ')}; private network ${info.security.allow_private_network ? 'allowed' : 'refused'}; processes ${info.security.allow_process_spawn ? 'allowed' : 'refused'}\n`);
  return 0;
}
