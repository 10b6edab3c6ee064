/** What a server process inherits from llmspell's own environment: nothing that could hold a secret. */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG'] as const;

/** The environment of a server process: PATH, HOME and LANG of this process, plus its configured `env`. */
export function serverEnvironment(configured: Record<string, string>, host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_VARIABLES) {
    const value = host[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...configured };
}
