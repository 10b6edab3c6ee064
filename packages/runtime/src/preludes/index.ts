import { LUA_COMPAT } from './lua-compat.js';
import { JS_STREAMING, LUA_STREAMING } from './streaming.js';

/**
 * Script source run before every user script, by engine name: the parts of the script API
 * that are language sugar with no host side. The Lua bridge's own prelude only builds the
 * sandbox (what the standard libraries keep); what scripts see of os, io and print is here.
 */
export const SCRIPT_PRELUDES: Readonly<Record<string, string | undefined>> = {
  lua: LUA_STREAMING + LUA_COMPAT,
  javascript: JS_STREAMING,
};
