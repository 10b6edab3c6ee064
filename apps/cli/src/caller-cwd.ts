/**
 * The directory the user typed the command in. `pnpm llmspell …` (a package script named
 * llmspell, as in this repository) runs in the package root; the caller's directory is then
 * INIT_CWD, where relative paths must resolve. Scripts of other names keep the package root,
 * which is what their own relative paths expect.
 */
export function callerCwd(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.npm_lifecycle_event === 'llmspell' && env.INIT_CWD ? env.INIT_CWD : cwd;
}
